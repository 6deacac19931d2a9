package io.ramify.wal.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.kv.MemKv;
import io.ramify.kv.Writes;
import io.ramify.pgwal.WalDecoder;
import io.ramify.pgwal.WalRecord;
import io.ramify.pgwal.WalSegmentFiles;
import io.ramify.testsupport.VanillaPostgres;
import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.Claim;
import io.ramify.wal.proto.CreateTimeline;
import io.ramify.wal.proto.CutFor;
import io.ramify.wal.proto.ListCheckpoints;
import io.ramify.wal.proto.LsnForTime;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.QueryRequest;
import io.ramify.wal.proto.RecordEnd;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import io.ramify.wal.proto.WriteRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * WAL written by a real Postgres 15 (pgbench), fed to the op-log core page by page the way a
 * compute writes it (each page first partly, then whole), must be indexed exactly: every record
 * end, every checkpoint, every commit time. The reference is the decoder walking the segment files
 * (itself checked against pg_waldump), and pg_controldata for the latest checkpoint.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalIndexOnRealWalTest {
    @TempDir
    static Path dir;

    final MemKv kv = new MemKv();
    final TimelineId tl = TimelineId.random();
    final ByteString id = ByteString.copyFrom(tl.toBytes());
    final List<WalRecord> records = new ArrayList<>();
    String controlData;

    @BeforeAll
    void writeRealWalAndFeedIt() {
        try (VanillaPostgres pg = VanillaPostgres.init(
                dir.resolve("pg"),
                List.of(),
                Map.of(
                        "wal_level",
                        "replica",
                        "max_wal_size",
                        "64MB",
                        "checkpoint_timeout",
                        "30s",
                        "wal_keep_size",
                        "1GB",
                        "wal_recycle",
                        "off"))) {
            pg.start();
            pg.pgbench("-i", "-s", "2", "-q");
            pg.pgbench("-c", "2", "-T", "4", "-n");
            pg.psql("CHECKPOINT");
            pg.pgbench("-c", "2", "-t", "200", "-n");
            pg.stop();
            controlData = pg.run("pg_controldata", "-D", pg.dataDir().toString());
            try (WalSegmentFiles wal = WalSegmentFiles.open(pg.walDir())) {
                long start = wal.segmentStarts().getFirst();
                reference(wal, start);
                feed(wal, start, records.getLast().end());
            }
        }
    }

    private void reference(WalSegmentFiles wal, long segStart) {
        long next = WalDecoder.firstRecordStartOnPage(wal, segStart);
        long prev = -1;
        for (Optional<WalRecord> r; (r = WalDecoder.decode(wal, next, prev, wal.segmentSize())).isPresent(); ) {
            records.add(r.get());
            prev = r.get().start();
            next = WalDecoder.nextRecordStart(r.get(), wal.segmentSize());
        }
        assertTrue(records.size() > 10_000, "pgbench wrote " + records.size() + " records");
    }

    /** Appends WAL as Postgres writes it: each page once with its first half, then whole. */
    private void feed(WalSegmentFiles wal, long from, long end) {
        apply(WriteRequest.newBuilder()
                .setCreate(CreateTimeline.newBuilder()
                        .setTimeline(id)
                        .setShardCount(1)
                        .setWalSegmentSize(wal.segmentSize())));
        apply(WriteRequest.newBuilder()
                .setClaim(Claim.newBuilder().setTimeline(id).setGeneration(1)));
        long seq = 1;
        List<Op> batch = new ArrayList<>();
        for (long page = from; page < end; page += 8192) {
            byte[] full = new byte[8192];
            wal.read(page, full, 0, 8192);
            batch.add(Ops.wal(page, Arrays.copyOf(Arrays.copyOf(full, 4096), 8192), page + 4096));
            batch.add(Ops.wal(page, full, page + 8192));
            if (batch.size() >= 128) {
                seq = append(seq, batch);
            }
        }
        if (!batch.isEmpty()) { // empty when the page count is a multiple of 64: a batch has 1.. ops
            append(seq, batch);
        }
    }

    private long append(long seq, List<Op> batch) {
        Reply r = apply(WriteRequest.newBuilder()
                .setLeaderTimeMillis(1)
                .setAppend(OpBatch.newBuilder()
                        .setTimeline(id)
                        .setGeneration(1)
                        .setFirstSeq(seq)
                        .addAllOps(batch)));
        assertTrue(r.hasAppended(), r.toString());
        long next = seq + batch.size();
        batch.clear();
        return next;
    }

    private Reply apply(WriteRequest.Builder req) {
        Writes w = new Writes(kv);
        Reply r = OpLog.apply(req.build(), w);
        if (!r.hasRejected()) {
            kv.commit(w);
        }
        return r;
    }

    private Reply query(QueryRequest.Builder q) {
        return Queries.answer(q.build(), kv, System.currentTimeMillis());
    }

    private long recordEnd(long lsn) {
        return query(QueryRequest.newBuilder()
                        .setRecordEnd(RecordEnd.newBuilder().setTimeline(id).setLsn(lsn)))
                .getLsn()
                .getLsn();
    }

    @Test
    void everyRecordEndIsIndexed() {
        TimelineStatus s = query(QueryRequest.newBuilder()
                        .setStatus(io.ramify.wal.proto.GetStatus.newBuilder().setTimeline(id)))
                .getStatus();
        assertEquals(Lsn.of(records.getLast().end()), Lsn.of(s.getLastRecordEnd()));
        for (int i = 1; i < records.size(); i++) {
            WalRecord r = records.get(i);
            assertEquals(Lsn.of(r.end()), Lsn.of(recordEnd(r.end())), "end of record at " + Lsn.of(r.start()));
            assertEquals(
                    Lsn.of(records.get(i - 1).end()),
                    Lsn.of(recordEnd(r.end() - 1)),
                    "the record end before " + Lsn.of(r.end()));
        }
    }

    @Test
    void checkpointsAndTheirRedoPointsAreIndexed() {
        List<WalRecord> expected =
                records.stream().filter(r -> r.checkpointRedo() >= 0).toList();
        var got = query(QueryRequest.newBuilder()
                        .setCheckpoints(ListCheckpoints.newBuilder().setTimeline(id)))
                .getCheckpoints()
                .getCheckpointsList();
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(expected.get(i).start(), got.get(i).getLsn());
            assertEquals(expected.get(i).checkpointRedo(), got.get(i).getRedo());
        }
        // pg_controldata, an oracle we did not write, names the latest checkpoint and its redo point.
        assertEquals(
                controlValue("Latest checkpoint location"), Lsn.of(got.getLast().getLsn()));
        assertEquals(
                controlValue("Latest checkpoint's REDO location"),
                Lsn.of(got.getLast().getRedo()));
    }

    private Lsn controlValue(String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + ":\\s+(\\S+)").matcher(controlData);
        assertTrue(m.find(), label + " in\n" + controlData);
        return Lsn.parse(m.group(1));
    }

    @Test
    void aTimeMapsToTheEndOfTheLastCommitAtOrBeforeIt() {
        List<WalRecord> commits = records.stream().filter(WalRecord::isCommit).toList();
        assertTrue(commits.size() > 1000, commits.size() + " commits");
        for (int i = 0; i < commits.size(); i += 97) {
            WalRecord c = commits.get(i);
            long unixMicros = c.commitTimestampMicros() + WalIndex.PG_EPOCH_UNIX_MICROS;
            WalRecord expected = c;
            for (int j = i + 1;
                    j < commits.size() && commits.get(j).commitTimestampMicros() == c.commitTimestampMicros();
                    j++) {
                expected = commits.get(j);
            }
            long got = query(QueryRequest.newBuilder()
                            .setLsnForTime(
                                    LsnForTime.newBuilder().setTimeline(id).setTimeMicros(unixMicros)))
                    .getLsn()
                    .getLsn();
            assertEquals(Lsn.of(expected.end()), Lsn.of(got), "commit at " + Lsn.of(c.start()));
        }
    }

    @Test
    void theCutOfARecordEndCountsTheOpsWrittenBeforeTheNextRecordEnds() {
        // Each page went in as two ops with W = page + 4096 and page + 8192, so the cut at a record end
        // X is the number of those ops with W below the end of the record after X (docs/design.md rule 5,
        // refinement 11); after the last record, every op.
        long first = records.getFirst().start() / 8192 * 8192;
        long end = records.getLast().end();
        for (int i = 0; i < records.size(); i += 101) {
            checkCut(
                    first,
                    end,
                    records.get(i).end(),
                    i + 1 < records.size() ? records.get(i + 1).end() : Long.MAX_VALUE);
        }
        checkCut(first, end, end, Long.MAX_VALUE);
    }

    private void checkCut(long first, long end, long x, long nextEnd) {
        long expected = 0;
        for (long page = first; page < end; page += 8192) {
            expected += (page + 4096 < nextEnd ? 1 : 0) + (page + 8192 < nextEnd ? 1 : 0);
        }
        long got = query(QueryRequest.newBuilder()
                        .setCutFor(CutFor.newBuilder().setTimeline(id).setLsn(x)))
                .getCut()
                .getCut();
        assertEquals(expected, got, "cut at " + Lsn.of(x) + " (next record ends at " + Lsn.of(nextEnd) + ")");
    }
}
