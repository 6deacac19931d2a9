package io.ramify.adapter.fs;

import java.util.regex.Pattern;

/**
 * What a path of the data directory is, which decides where its bytes go (docs/design.md §4). Paths
 * are relative to the data directory ("" is the data directory itself).
 */
enum PathKind {
    /** Stored in the timeline: every change is an op. */
    REGULAR,
    /** Only this compute's scratch: kept in memory, never an op, gone at restart. */
    SCRATCH,
    /** A WAL segment: a window onto the timeline's WAL; writes are WAL ops at their LSN. */
    WAL_SEGMENT,
    /** A WAL segment being prepared (xlogtemp.N): its zeros are not stored; renamed into a segment. */
    WAL_TEMP;

    private static final Pattern SEGMENT = Pattern.compile("pg_wal/[0-9A-F]{24}");

    static PathKind of(String path) {
        if (path.startsWith("pg_wal/")) {
            if (SEGMENT.matcher(path).matches()) {
                return WAL_SEGMENT;
            }
            if (path.startsWith("pg_wal/xlogtemp.")) {
                return WAL_TEMP;
            }
            return REGULAR;
        }
        if (path.equals("postmaster.pid")
                || path.equals("postmaster.opts")
                || path.startsWith("pg_stat_tmp/")
                || path.startsWith("pg_dynshmem/")
                || path.equals("base/pgsql_tmp")
                || path.startsWith("base/pgsql_tmp/")) {
            return SCRATCH;
        }
        return REGULAR;
    }

    /** The segment number a segment file name denotes, for a segment size. */
    static long segmentNo(String path, int segmentSize) {
        String name = path.substring("pg_wal/".length());
        long log = Long.parseLong(name.substring(8, 16), 16);
        long seg = Long.parseLong(name.substring(16, 24), 16);
        return log * (0x1_0000_0000L / segmentSize) + seg;
    }

    /** The file name of a segment on Postgres timeline 1 (Ramify never switches Postgres timelines). */
    static String segmentName(long segNo, int segmentSize) {
        long perLog = 0x1_0000_0000L / segmentSize;
        return String.format("pg_wal/%08X%08X%08X", 1, segNo / perLog, segNo % perLog);
    }
}
