package io.ramify.adapter.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ramify.adapter.backend.MemoryBackend;
import io.ramify.wal.proto.Op;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Rule 4's clamps in the adapter (docs/design.md): every op carries W, the WAL written through the
 * mount so far; it only rises within a mount (clamp 1), and a new mount starts from the highest W
 * the log holds (clamp 2), so a restarted compute's first ops never carry a lower W.
 */
class DataDirWTest {
    private static final int SEGMENT = 16 << 20;
    private static final String SEGMENT_1 = "pg_wal/000000010000000000000001"; // LSNs from 16 MiB

    private static long lastW(MemoryBackend b) {
        List<Op> ops = b.ops();
        return ops.get(ops.size() - 1).getWalEnd();
    }

    @Test
    void wOnlyRisesWithinAMountAndANewMountStartsAtTheLogsHighest() throws Exception {
        MemoryBackend backend = new MemoryBackend(SEGMENT);
        DataDir first = new DataDir(backend, 1L << 20);
        first.mkdir("pg_wal");
        first.mkdir("base");
        first.create("base/1");
        first.create(SEGMENT_1);
        first.write(SEGMENT_1, new byte[200], 200, 8192);
        long high = SEGMENT + 8192 + 200;
        assertEquals(high, lastW(backend), "a WAL write raises W to its end first");
        first.write("base/1", new byte[DataDir.BLOCK], DataDir.BLOCK, 0);
        assertEquals(high, lastW(backend), "a block op carries the W of its moment");

        // Postgres rewrites an earlier page (a lower LSN): W stays where it was (clamp 1).
        byte[] page = new byte[100];
        page[0] = 1;
        first.write(SEGMENT_1, page, page.length, 0);
        assertEquals(high, lastW(backend));
        first.write("base/1", new byte[DataDir.BLOCK], DataDir.BLOCK, DataDir.BLOCK);
        assertEquals(high, lastW(backend));

        // A new mount on the same log, before it writes any WAL (clamp 2).
        DataDir second = new DataDir(backend, 1L << 20);
        second.write("base/1", new byte[DataDir.BLOCK], DataDir.BLOCK, 2L * DataDir.BLOCK);
        assertEquals(high, lastW(backend), "a restarted compute starts from the log's highest W, not 0");
    }
}
