package io.ramify.wal.core;

import io.ramify.common.TimelineId;
import java.nio.ByteBuffer;

/**
 * The one place that knows the byte layout of the state machine's RocksDB keys. Every key starts
 * with a one-byte kind, then (for per-timeline kinds) the 16-byte timeline id, then big-endian
 * unsigned numbers so that byte order is numeric order:
 *
 * <pre>
 *   'A'                               -> applied term (8) + index (8), GroupDb.APPLIED_KEY (raft-host)
 *   'T' timeline                      -> TimelineStatus proto (the timeline's counters)
 *   'D' timeline                      -> decoder state: next record start (8) + prev record start (8)
 *   'P' timeline page(8)              -> one 8 KiB WAL page (page = lsn / 8192)
 *   'O' timeline seq(8)               -> a non-WAL Op proto, until every shard acknowledged it
 *   'R' timeline page(8)              -> ends of records that end in that page: u16 offsets (1..8192)
 *   'C' timeline lsn(8)               -> checkpoint record at lsn: end (8) + redo (8)
 *   'X' timeline micros(8) lsn(8)     -> commit/abort record ending at lsn, xact_time in unix micros
 *   'W' timeline walEnd(8)            -> highest seq whose W equals walEnd (the cut index)
 *   'G' timeline page(8)              -> leader time (millis) when that WAL page was last written
 * </pre>
 */
final class Keys {
    static final byte TIMELINE = 'T';
    static final byte DECODER = 'D';
    static final byte PAGE = 'P';
    static final byte OP = 'O';
    static final byte RECORD_ENDS = 'R';
    static final byte CHECKPOINT = 'C';
    static final byte COMMIT = 'X';
    static final byte CUT = 'W';
    static final byte PAGE_TIME = 'G';

    private Keys() {}

    static byte[] of(byte kind, TimelineId tl) {
        return ByteBuffer.allocate(17).put(kind).put(tl.toBytes()).array();
    }

    static byte[] of(byte kind, TimelineId tl, long n) {
        return ByteBuffer.allocate(25).put(kind).put(tl.toBytes()).putLong(n).array();
    }

    static byte[] of(byte kind, TimelineId tl, long n, long m) {
        return ByteBuffer.allocate(33)
                .put(kind)
                .put(tl.toBytes())
                .putLong(n)
                .putLong(m)
                .array();
    }

    /** The first number after the timeline id. */
    static long first(byte[] key) {
        return ByteBuffer.wrap(key, 17, 8).getLong();
    }

    /** The second number after the timeline id. */
    static long second(byte[] key) {
        return ByteBuffer.wrap(key, 25, 8).getLong();
    }

    /** All keys of one kind and timeline are in [of(kind, tl, 0), end(kind, tl)). */
    static byte[] end(byte kind, TimelineId tl) {
        return ByteBuffer.allocate(26)
                .put(kind)
                .put(tl.toBytes())
                .putLong(-1L)
                .put((byte) 0)
                .array();
    }
}
