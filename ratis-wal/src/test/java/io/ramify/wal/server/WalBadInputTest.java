package io.ramify.wal.server;

import static io.ramify.wal.client.WalClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ramify.common.Generation;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.core.TestOps;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.Reply;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input gets a typed refusal that names what was wrong, changes nothing, and leaves the state
 * machine healthy: a valid append still works afterwards on every replica.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class WalBadInputTest {
    @TempDir
    Path dir;

    static OpBatch batch(TimelineId tl, long gen, long firstSeq, List<Op> ops) {
        return OpBatch.newBuilder()
                .setTimeline(ByteString.copyFrom(tl.toBytes()))
                .setGeneration(gen)
                .setFirstSeq(firstSeq)
                .addAllOps(ops)
                .build();
    }

    static Code refusal(Supplier<CompletableFuture<?>> call) {
        WalRejectedException e = assertThrows(WalRejectedException.class, () -> await(call.get()));
        assertTrue(e.getMessage().length() > 20, "a refusal explains itself: " + e.getMessage());
        return e.code();
    }

    @Test
    void everyKindOfBadInputIsRefusedWithItsCodeAndChangesNothing() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 2));
            await(c.claim(tl, Generation.of(3)));
            assertEquals(
                    Seq.of(1).value(),
                    await(c.append(batch(tl, 3, 1, List.of(TestOps.opFor(1))))).getLastSeq());
            TimelineStatus before = await(c.status(tl));

            // Malformed: bytes that are no request at all, sent past the client library.
            try (RaftClient raw = RaftClient.newBuilder()
                    .setProperties(new RaftProperties())
                    .setRaftGroup(cl.cluster.group(0))
                    .build()) {
                RaftClientReply r = raw.io().send(Message.valueOf("definitely not protobuf \u0001\u0002\u00ff"));
                Reply reply = Reply.parseFrom(r.getMessage().getContent().toByteArray());
                assertEquals(Code.MALFORMED, reply.getRejected().getCode(), reply.toString());
            }
            assertEquals(Code.MALFORMED, refusal(() -> c.append(batch(tl, 3, 2, List.of()))));
            assertEquals(
                    Code.MALFORMED,
                    refusal(() -> c.append(batch(tl, 3, 2, List.of(Ops.block("base/5/1", 0, new byte[100], 1000))))));
            assertEquals(
                    Code.MALFORMED,
                    refusal(() -> c.append(
                            batch(tl, 3, 2, List.of(Ops.file(FileEvent.Kind.CREATE, "../etc/passwd", 1000))))));
            assertEquals(
                    Code.MALFORMED,
                    refusal(() -> c.append(batch(
                            tl, 3, 2, List.of(Op.newBuilder().setWalEnd(1000).build())))));

            // Oversized: too many bytes, and too many ops.
            List<Op> big = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                big.add(Ops.block("base/5/1", i, new byte[8192], 1000));
            }
            assertEquals(Code.TOO_LARGE, refusal(() -> c.append(batch(tl, 3, 2, big))));
            List<Op> many = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                many.add(Ops.file(FileEvent.Kind.CREATE, "f" + i, 1000));
            }
            assertEquals(Code.TOO_LARGE, refusal(() -> c.append(batch(tl, 3, 2, many))));

            // Unknown timeline, stale and unclaimed generations, a gap in seq, W going back.
            TimelineId nobody = TimelineId.random();
            assertEquals(
                    Code.UNKNOWN_TIMELINE, refusal(() -> c.append(batch(nobody, 1, 1, List.of(TestOps.opFor(1))))));
            assertEquals(Code.UNKNOWN_TIMELINE, refusal(() -> c.status(nobody)));
            assertEquals(Code.STALE_GENERATION, refusal(() -> c.append(batch(tl, 2, 2, List.of(TestOps.opFor(2))))));
            assertEquals(Code.NOT_CLAIMED, refusal(() -> c.append(batch(tl, 4, 2, List.of(TestOps.opFor(2))))));
            assertEquals(Code.SEQ_GAP, refusal(() -> c.append(batch(tl, 3, 5, List.of(TestOps.opFor(5))))));
            assertEquals(
                    Code.W_REGRESSION,
                    refusal(() -> c.append(batch(tl, 3, 2, List.of(Ops.file(FileEvent.Kind.MKDIR, "base/6", 0))))));
            assertEquals(Code.STALE_GENERATION, refusal(() -> c.claim(tl, Generation.of(2))));

            // LSNs outside the window: nothing written yet, beyond the durable end, below own WAL.
            assertEquals(Code.BEYOND_END, refusal(() -> c.recordEndAtOrBefore(tl, Lsn.parse("0/2000000"))));
            assertEquals(Code.BEYOND_END, refusal(() -> c.cutFor(tl, Lsn.parse("0/2000000"))));
            TimelineId withWal = TimelineId.random();
            await(c.createRoot(withWal, 1));
            await(c.claim(withWal, Generation.of(1)));
            await(c.append(batch(withWal, 1, 1, List.of(Ops.wal(0x1000000, new byte[100], 0x1000064)))));
            assertEquals(Code.OUT_OF_WINDOW, refusal(() -> c.readOwnWal(withWal, Lsn.parse("0/0"), 10)));
            assertEquals(0, await(c.readOwnWal(withWal, Lsn.parse("0/1000064"), 10)).length, "nothing at the end yet");
            assertEquals(
                    Code.BEYOND_END,
                    refusal(() -> c.lsnForTime(tl, java.time.Instant.now().plusSeconds(3600))));
            assertEquals(Code.MALFORMED, refusal(() -> c.readOps(tl, 5, 2, Seq.of(1), 1000, 10)));
            assertEquals(Code.BEYOND_END, refusal(() -> c.ack(tl, 0, Seq.of(99))));
            assertEquals(Code.ALREADY_EXISTS, refusal(() -> c.createRoot(tl, 3)));

            // Nothing changed; the state machine still works, on every replica.
            assertEquals(before, await(c.status(tl)));
            assertEquals(
                    2,
                    await(c.append(batch(tl, 3, 2, List.of(TestOps.opFor(2))))).getLastSeq());
            for (int n = 0; n < 3; n++) {
                cl.awaitCaughtUp(n, 0, java.time.Duration.ofSeconds(30));
                assertEquals(2, WalClusterTest.localStatus(cl, n, tl).getLastSeq(), "replica n" + n);
            }
        }
    }
}
