package io.ramify.wal.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ramify.common.TimelineId;
import io.ramify.kv.MemKv;
import io.ramify.kv.Writes;
import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.Ack;
import io.ramify.wal.proto.Claim;
import io.ramify.wal.proto.CreateTimeline;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import io.ramify.wal.proto.WriteRequest;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pure core, driven directly over an in-memory store. */
class OpLogTest {
    final MemKv kv = new MemKv();
    final TimelineId tl = TimelineId.random();
    final ByteString id = ByteString.copyFrom(tl.toBytes());

    Reply apply(WriteRequest.Builder req) {
        Writes w = new Writes(kv);
        Reply r = OpLog.apply(req.build(), w);
        if (!r.hasRejected()) {
            kv.commit(w);
        }
        return r;
    }

    Reply append(long gen, long first, Op... ops) {
        return apply(WriteRequest.newBuilder()
                .setAppend(OpBatch.newBuilder()
                        .setTimeline(id)
                        .setGeneration(gen)
                        .setFirstSeq(first)
                        .addAllOps(List.of(ops))));
    }

    TimelineStatus status() {
        return Codec.status(kv.get(Keys.of(Keys.TIMELINE, tl)));
    }

    @BeforeEach
    void createAndClaim() {
        apply(WriteRequest.newBuilder()
                .setCreate(CreateTimeline.newBuilder().setTimeline(id).setShardCount(2)));
        apply(WriteRequest.newBuilder()
                .setClaim(Claim.newBuilder().setTimeline(id).setGeneration(1)));
    }

    @Test
    void aRetriedBatchIsRecognisedAndNotAppliedTwice() {
        assertEquals(
                2,
                append(1, 1, TestOps.opFor(1), TestOps.opFor(2)).getAppended().getLastSeq());
        Reply again = append(1, 1, TestOps.opFor(1), TestOps.opFor(2));
        assertTrue(again.getAppended().getDuplicate());
        assertEquals(2, status().getLastSeq());
        assertEquals(1, status().getDuplicateBatches());
        assertEquals(
                Code.SEQ_GAP,
                append(1, 2, TestOps.opFor(2), TestOps.opFor(3)).getRejected().getCode());
    }

    @Test
    void aRejectedBatchLeavesNoTrace() {
        append(1, 1, TestOps.opFor(1));
        Reply r = append(1, 2, TestOps.opFor(2), Ops.block("base/1/1", 0, new byte[5], 999_999));
        assertEquals(Code.MALFORMED, r.getRejected().getCode());
        assertEquals(1, status().getLastSeq());
        assertEquals(null, kv.get(Keys.of(Keys.OP, tl, 2)), "the valid first op of a refused batch is not kept");
    }

    @Test
    void walBelowTheLastCompleteRecordIsImmutableButTheTornTailIsNot() {
        byte[] page = new byte[8192];
        page[100] = 7;
        append(1, 1, Ops.wal(0x1000000, page, 0x1000000 + 8192));
        // Pretend the decoder found a complete record ending at +200 (no real WAL in this unit test).
        save(status().toBuilder().setLastRecordEnd(0x1000000 + 200).build());
        byte[] changedTail = page.clone();
        changedTail[300] = 9;
        assertTrue(
                append(1, 2, Ops.wal(0x1000000, changedTail, 0x1000000 + 8192)).hasAppended());
        byte[] changedFrozen = changedTail.clone();
        changedFrozen[100] = 8;
        Reply r = append(1, 3, Ops.wal(0x1000000, changedFrozen, 0x1000000 + 8192));
        assertEquals(Code.WAL_CONFLICT, r.getRejected().getCode());
        assertTrue(
                r.getRejected().getMessage().contains("0/1000064"),
                r.getRejected().getMessage());
    }

    @Test
    void aNewGenerationDropsTheTornTailBeyondTheLastCompleteRecord() throws Exception {
        byte[] two = new byte[2 * 8192];
        java.util.Arrays.fill(two, (byte) 1);
        append(1, 1, Ops.wal(0x1000000, two, 0x1000000 + two.length));
        save(status().toBuilder().setLastRecordEnd(0x1000000 + 100).build());
        apply(WriteRequest.newBuilder()
                .setClaim(Claim.newBuilder().setTimeline(id).setGeneration(2)));
        TimelineStatus s = status();
        assertEquals(0x1000000 + 100, s.getWalWrittenEnd());
        assertEquals(2, s.getGeneration());
        byte[] kept = WalArchive.read(kv, tl, s, 0x1000000, 8192);
        assertEquals(100, kept.length);
        byte[] page = kv.get(Keys.of(Keys.PAGE, tl, 0x1000000 / 8192));
        assertArrayEquals(new byte[8192 - 100], java.util.Arrays.copyOfRange(page, 100, 8192), "tail zeroed");
        assertEquals(null, kv.get(Keys.of(Keys.PAGE, tl, 0x1000000 / 8192 + 1)), "whole torn pages dropped");
    }

    @Test
    void trimmingKeepsTheHistoryWindowAndTheLatestRedoPoint() throws Exception {
        // Four pages of WAL written at leader times 1000, 2000, 3000, 4000.
        for (int i = 0; i < 4; i++) {
            long lsn = 0x1000000 + i * 8192L;
            Reply r = apply(WriteRequest.newBuilder()
                    .setLeaderTimeMillis(1000 * (i + 1))
                    .setAppend(OpBatch.newBuilder()
                            .setTimeline(id)
                            .setGeneration(1)
                            .setFirstSeq(i + 1)
                            .addOps(Ops.wal(lsn, new byte[8192], lsn + 8192))));
            assertTrue(r.hasAppended(), r.toString());
        }
        save(status().toBuilder()
                .setLatestCheckpointRedo(0x1000000 + 3 * 8192 + 100)
                .build());
        Reply r = apply(WriteRequest.newBuilder()
                .setLeaderTimeMillis(4500)
                .setTrim(io.ramify.wal.proto.TrimWal.newBuilder()
                        .setTimeline(id)
                        .setBelowLsn(0x1000000 + 4 * 8192)
                        .setKeepWindowMillis(2000)));
        // Pages written at 3000 and later are inside the 2 s window ending at 4500: only two pages go.
        assertEquals(0x1000000 + 2 * 8192, r.getStatus().getWalTrimmedBelow());
        assertEquals(null, kv.get(Keys.of(Keys.PAGE, tl, 0x1000000 / 8192 + 1)));
        assertTrue(kv.get(Keys.of(Keys.PAGE, tl, 0x1000000 / 8192 + 2)) != null);
        r = apply(WriteRequest.newBuilder()
                .setLeaderTimeMillis(100_000)
                .setTrim(io.ramify.wal.proto.TrimWal.newBuilder()
                        .setTimeline(id)
                        .setBelowLsn(0x1000000 + 4 * 8192)
                        .setKeepWindowMillis(0)));
        assertEquals(0x1000000 + 3 * 8192, r.getStatus().getWalTrimmedBelow(), "never past the latest redo's page");
        Rejected e = org.junit.jupiter.api.Assertions.assertThrows(
                Rejected.class, () -> WalArchive.read(kv, tl, status(), 0x1000000, 10));
        assertEquals(Code.OUT_OF_WINDOW, e.code());
    }

    @Test
    void opsAreDroppedOnceEveryShardAcknowledged() {
        append(1, 1, TestOps.opFor(1), TestOps.opFor(2), TestOps.opFor(3));
        apply(WriteRequest.newBuilder()
                .setAck(Ack.newBuilder().setTimeline(id).setShard(0).setSeq(3)));
        assertTrue(kv.get(Keys.of(Keys.OP, tl, 1)) != null, "shard 1 has not acknowledged yet");
        apply(WriteRequest.newBuilder()
                .setAck(Ack.newBuilder().setTimeline(id).setShard(1).setSeq(2)));
        assertEquals(null, kv.get(Keys.of(Keys.OP, tl, 1)));
        assertEquals(null, kv.get(Keys.of(Keys.OP, tl, 2)));
        assertTrue(kv.get(Keys.of(Keys.OP, tl, 3)) != null);
        assertEquals(2, status().getAckedByAll());
    }

    @Test
    void theCutIsTheLastSeqWithWAtOrBelowAnLsn() {
        append(
                1,
                1,
                Ops.file(io.ramify.wal.proto.FileEvent.Kind.MKDIR, "a", 100),
                Ops.file(io.ramify.wal.proto.FileEvent.Kind.MKDIR, "b", 100),
                Ops.file(io.ramify.wal.proto.FileEvent.Kind.MKDIR, "c", 300));
        append(
                1,
                4,
                Ops.file(io.ramify.wal.proto.FileEvent.Kind.MKDIR, "d", 300),
                Ops.file(io.ramify.wal.proto.FileEvent.Kind.MKDIR, "e", 500));
        assertEquals(0, cut(99));
        assertEquals(2, cut(100));
        assertEquals(2, cut(299));
        assertEquals(4, cut(300));
        assertEquals(5, cut(10_000));
    }

    long cut(long lsn) {
        var e = kv.floor(Keys.of(Keys.CUT, tl, 0), Keys.of(Keys.CUT, tl, lsn));
        return e == null ? 0 : java.nio.ByteBuffer.wrap(e.value()).getLong();
    }

    void save(TimelineStatus s) {
        Writes w = new Writes(kv);
        OpLog.save(tl, s, w);
        kv.commit(w);
    }
}
