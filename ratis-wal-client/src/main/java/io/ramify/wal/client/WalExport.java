package io.ramify.wal.client;

import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a timeline's WAL (its ancestors' below its fork LSN, as a compute sees it) as Postgres WAL
 * segment files, named as Postgres's archive names them (timeline 1): for vanilla point-in-time
 * recovery outside Ramify and for {@code pg_waldump}. Bytes past the durable end are zeros.
 */
public final class WalExport {
    /** Bytes read per call. */
    static final int READ_BYTES = 1 << 20;

    private WalExport() {}

    /** Every segment from the one holding {@code from} through the one holding {@code to}; returns their paths. */
    public static List<Path> segments(WalClient wal, TimelineId tl, Lsn from, Lsn to, int segmentSize, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        long segsPerId = 0x1_0000_0000L / segmentSize;
        for (long s = from.value() / segmentSize; s <= to.value() / segmentSize; s++) {
            byte[] data = new byte[segmentSize];
            int n = 0;
            while (n < segmentSize) {
                byte[] part = WalClient.await(
                        wal.readWal(tl, Lsn.of(s * segmentSize + n), Math.min(READ_BYTES, segmentSize - n)));
                if (part.length == 0) {
                    break;
                }
                System.arraycopy(part, 0, data, n, part.length);
                n += part.length;
            }
            Path f = dir.resolve(String.format("%08X%08X%08X", 1, s / segsPerId, s % segsPerId));
            Files.write(f, data);
            out.add(f);
        }
        return out;
    }
}
