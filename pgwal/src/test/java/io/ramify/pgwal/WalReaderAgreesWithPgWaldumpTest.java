package io.ramify.pgwal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ramify.common.Lsn;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs a real PostgreSQL 15 through pgbench, checkpoints, a segment switch, two-phase commit and
 * aborts, then walks all of its WAL with our decoder and checks every record against pg_waldump.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class WalReaderAgreesWithPgWaldumpTest {
    /** A busy, small WAL: frequent checkpoints, full-page writes, nothing recycled or zero-filled. */
    private static final Map<String, String> SETTINGS = Map.of(
            "wal_level",
            "replica",
            "full_page_writes",
            "on",
            "max_wal_size",
            "8MB",
            "min_wal_size",
            "2MB",
            "wal_keep_size",
            "1GB",
            "checkpoint_timeout",
            "30s",
            "max_prepared_transactions",
            "4",
            "wal_recycle",
            "off",
            "wal_init_zero",
            "off");

    @TempDir
    Path tmp;

    @Test
    void everyRecordMatchesPgWaldump() {
        assumeTrue(VanillaPostgres.available(), "PostgreSQL 15 binaries not installed");
        List<WaldumpLine> expected;
        List<DecodedRecord> ours = new ArrayList<>();
        int segmentSize;
        // 1 MiB segments: many segment boundaries; all WAL kept so the walk starts at initdb's first record.
        try (VanillaPostgres pg = VanillaPostgres.init(tmp, List.of("--wal-segsize=1"), SETTINGS)) {
            pg.start();
            pg.pgbench("-i", "-s", "2", "-q");
            pg.psql("CHECKPOINT");
            pg.psql("SELECT pg_switch_wal()");
            pg.psql("CREATE TABLE t (x int)"); // own command: a multi-statement string is one transaction
            pg.psql("BEGIN; INSERT INTO t VALUES (1); ROLLBACK;");
            pg.psql("BEGIN; INSERT INTO t VALUES (2); PREPARE TRANSACTION 'p1';");
            pg.psql("COMMIT PREPARED 'p1'");
            pg.psql("BEGIN; INSERT INTO t VALUES (3); PREPARE TRANSACTION 'p2';");
            pg.psql("ROLLBACK PREPARED 'p2'");
            pg.pgbench("-c", "4", "-j", "2", "-T", "5");
            pg.stop();

            try (WalSegmentFiles wal = WalSegmentFiles.open(pg.walDir())) {
                segmentSize = wal.segmentSize();
                assertEquals(1024 * 1024, segmentSize);
                List<Long> starts = wal.segmentStarts();
                expected = WaldumpLine.parseAll(waldump(pg, starts.getFirst(), starts.getLast(), segmentSize));
                long pos = WalDecoder.firstRecordStartOnPage(wal, starts.getFirst());
                long prev = -1;
                while (true) {
                    Optional<DecodedRecord> d = WalDecoder.decodeFull(wal, pos, prev, segmentSize);
                    if (d.isEmpty()) {
                        break;
                    }
                    ours.add(d.get());
                    prev = pos;
                    pos = WalDecoder.nextRecordStart(d.get().record(), segmentSize);
                }
            }
        }

        int spanningSegments = 0,
                withImages = 0,
                checkpoints = 0,
                commits = 0,
                aborts = 0,
                switches = 0,
                headerSplit = 0;
        int n = Math.min(expected.size(), ours.size());
        for (int i = 0; i < n; i++) {
            WaldumpLine e = expected.get(i);
            WalRecord r = ours.get(i).record();
            RecordLayout layout = ours.get(i).layout();
            String at = "record #" + i + " (pg_waldump: " + e + ", ours: " + r + ")";
            assertEquals(new Lsn(e.lsn()), new Lsn(r.start()), at);
            assertEquals(new Lsn(e.prev()), new Lsn(r.prev()), at);
            assertEquals(e.rmid(), r.rmid(), at);
            assertEquals(e.totLen(), r.totalLength(), at);
            assertEquals(e.totLen() - e.recLen(), layout.imageBytes(), "full-page image bytes of " + at);
            assertEquals(e.xid(), Integer.toUnsignedLong(r.xid()), at);
            assertEquals(e.checkpointRedo(), r.checkpointRedo(), at);
            assertEquals(e.xactTimeMicros(), r.commitTimestampMicros(), at);
            assertEquals(e.isCommit(), r.isCommit(), at);
            assertEquals(e.isAbort(), r.isAbort(), at);
            assertEquals(e.isSwitch(), r.isSwitch(), at);
            if (i + 1 < expected.size()) {
                long nextStart = expected.get(i + 1).lsn();
                assertTrue(r.end() <= nextStart && nextStart == WalDecoder.nextRecordStart(r, segmentSize), at);
            }
            spanningSegments += r.start() / segmentSize != (r.end() - 1) / segmentSize ? 1 : 0;
            withImages += layout.fullPageImages() > 0 ? 1 : 0;
            checkpoints += r.checkpointRedo() >= 0 ? 1 : 0;
            commits += r.isCommit() ? 1 : 0;
            aborts += r.isAbort() ? 1 : 0;
            switches += r.isSwitch() ? 1 : 0;
            headerSplit += r.start() % WalDecoder.PAGE_SIZE > WalDecoder.PAGE_SIZE - 24 ? 1 : 0;
        }
        assertEquals(expected.size(), ours.size(), "record count");
        System.out.printf(
                "records %d, spanning segments %d, with full-page images %d, checkpoints %d, commits %d,"
                        + " aborts %d, switches %d, header split across pages %d%n",
                ours.size(), spanningSegments, withImages, checkpoints, commits, aborts, switches, headerSplit);
        assertTrue(ours.size() > 10_000, "enough WAL to be a test: " + ours.size());
        assertTrue(spanningSegments >= 1, "a record spanning a segment boundary");
        assertTrue(withImages >= 1, "a record with a full-page image");
        assertTrue(checkpoints >= 2, "online and shutdown checkpoints");
        assertTrue(commits > 1000, "pgbench commits");
        assertTrue(aborts >= 2, "ROLLBACK and ROLLBACK PREPARED");
        assertTrue(switches >= 1, "pg_switch_wal");
        assertNotEquals(0, expected.getLast().checkpointRedo() + 1, "the WAL ends with the shutdown checkpoint");
    }

    /** pg_waldump over [first, last] segment; it stops with an error at the end of valid WAL. */
    private static String waldump(VanillaPostgres pg, long first, long last, int segmentSize) {
        Processes.Result r = pg.exec(
                "pg_waldump",
                "-p",
                pg.walDir().toString(),
                segmentName(first, segmentSize),
                segmentName(last, segmentSize));
        boolean reachedEnd = r.exitCode() == 0 || r.stderr().contains("error in WAL record");
        if (!reachedEnd || r.stdout().isBlank()) {
            throw new IllegalStateException(r.describe());
        }
        return r.stdout();
    }

    private static String segmentName(long segmentStart, int segmentSize) {
        long segNo = segmentStart / segmentSize;
        long perLogId = 0x1_0000_0000L / segmentSize;
        return "%08X%08X%08X".formatted(1, segNo / perLogId, segNo % perLogId);
    }
}
