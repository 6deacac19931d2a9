package io.ramify.wal.server;

import static io.ramify.wal.client.WalClient.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.Generation;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.ShardMap;
import io.ramify.common.TimelineId;
import io.ramify.raft.host.GroupDb;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.core.TestOps;
import io.ramify.wal.proto.GetStatus;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpsChunk;
import io.ramify.wal.proto.QueryRequest;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ratis-wal on a real 3-node cluster on loopback: ordering, failover, fencing, catch-up, rebuild. */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class WalClusterTest {
    @TempDir
    Path dir;

    /** Reads every op of a timeline visible to one shard, from seq 1. */
    static Map<Long, Op> readAll(WalClient c, TimelineId tl, int shard, int shards) {
        Map<Long, Op> out = new TreeMap<>();
        long from = 1;
        for (int round = 0; round < 10_000; round++) {
            OpsChunk chunk = await(c.readOps(tl, shard, shards, Seq.of(from), 1 << 20, 1000));
            for (OpsChunk.SeqOp so : chunk.getOpsList()) {
                if (out.put(so.getSeq(), so.getOp()) != null) {
                    throw new AssertionError("seq " + so.getSeq() + " returned twice");
                }
            }
            from = chunk.getNextSeq();
            if (from > chunk.getLastSeq()) {
                return out;
            }
        }
        throw new AssertionError("op stream did not end");
    }

    static TimelineWriter claimedWriter(WalClient c, TimelineId tl, long gen) {
        TimelineStatus s = await(c.claim(tl, Generation.of(gen)));
        return c.writer(tl, Generation.of(gen), s);
    }

    @Test
    void opsAreCommittedAndReadBackInOrderPerShard() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 3, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 2));
            TimelineWriter w = claimedWriter(c, tl, 1);
            byte[] wal = new byte[3 * 8192 + 100];
            new Random(7).nextBytes(wal);
            w.submit(Ops.wal(0x1000000, wal, 0x1000000 + wal.length));
            for (long seq = 2; seq <= 400; seq++) {
                assertEquals(seq, w.submit(TestOps.opFor(seq)));
            }
            assertEquals(400L, w.flush().get(30, TimeUnit.SECONDS));

            Map<Long, Op> shard0 = readAll(c, tl, 0, 2);
            Map<Long, Op> shard1 = readAll(c, tl, 1, 2);
            for (long seq = 2; seq <= 400; seq++) {
                Op expected = TestOps.opFor(seq).toBuilder()
                        .setWalEnd(Math.max(seq * 100, 0x1000000 + wal.length))
                        .build();
                if (expected.hasFile()) {
                    assertEquals(expected, shard0.get(seq), "file event " + seq + " on shard 0");
                    assertEquals(expected, shard1.get(seq), "file event " + seq + " on shard 1");
                } else {
                    int owner = ShardMap.shardOf(
                            expected.getBlock().getFile(), expected.getBlock().getBlock(), 2);
                    assertEquals(expected, (owner == 0 ? shard0 : shard1).get(seq), "block op " + seq);
                    assertFalse(
                            (owner == 0 ? shard1 : shard0).containsKey(seq), "block op " + seq + " on the wrong shard");
                }
            }
            assertFalse(shard0.containsKey(1L), "WAL ops are not streamed to page stores");
            assertArrayEquals(wal, await(c.readWal(tl, Lsn.of(0x1000000), 1 << 20)));
            TimelineStatus s = await(c.status(tl));
            assertEquals(400, s.getLastSeq());
            TimelineId other = TimelineId.random();
            await(c.createRoot(other, 1));
            var listed = await(c.listTimelines()).stream()
                    .map(t -> TimelineId.fromBytes(t.getTimeline().toByteArray()))
                    .collect(java.util.stream.Collectors.toSet());
            assertEquals(java.util.Set.of(tl, other), listed, "page stores discover every timeline of every group");
            assertEquals(0x1000000 + wal.length, s.getWalWrittenEnd());
        }
    }

    @Test
    void leaderKilledDuringAppendsLosesAndDoublesNothing() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            int total = 3000;
            int killed = -1;
            for (long seq = 1; seq <= total; seq++) {
                w.submit(TestOps.opFor(seq));
                if (seq == 1000) {
                    killed = cl.leaderOf(0);
                    cl.stop(killed);
                }
            }
            assertEquals(total, w.flush().get(90, TimeUnit.SECONDS));
            assertTrue(killed >= 0);
            Map<Long, Op> all = readAll(c, tl, 0, 1);
            assertEquals(total, all.size(), "every acknowledged op is present exactly once");
            for (long seq = 1; seq <= total; seq++) {
                assertEquals(TestOps.opFor(seq), all.get(seq), "op at seq " + seq);
            }
            assertEquals(total, await(c.status(tl)).getLastSeq(), "seq is gapless and has no duplicates");
            cl.start(killed);
            cl.awaitCaughtUp(killed, 0, Duration.ofSeconds(60));
        }
    }

    /** Many threads of one compute (FUSE workers) submitting and waiting for durability at once. */
    /**
     * A directory rename on a compute is a group of file ops that no crash may split: the group goes
     * to the log as one batch (one Raft entry, applied whole), even when it is bigger than the batch
     * target and ops were already buffered, and every op of it keeps one W (no fork cut splits it).
     */
    @Test
    void anAtomicGroupReachesTheLogAsOneBatch() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = WalClient.connect(
                        cl.cluster, io.ramify.wal.client.WalClientConfig.DEFAULT.withBatchBytesTarget(16 << 10))) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            long w0 = 0x1000000;
            w.submit(Ops.block("base/1/100", 0, new byte[8192], w0)); // buffered: half the target
            java.util.List<Op> group = new java.util.ArrayList<>();
            String dirName = "pg_replslot/" + "s".repeat(60);
            group.add(Ops.file(io.ramify.wal.proto.FileEvent.Kind.MKDIR, dirName, w0));
            for (int i = 0; i < 100; i++) { // ~100 ops of ~150 bytes: the group alone is past the target
                group.add(Ops.rename(dirName + ".tmp/f" + i + "x".repeat(60), dirName + "/f" + i + "x".repeat(60), w0));
            }
            group.add(Ops.file(io.ramify.wal.proto.FileEvent.Kind.RMDIR, dirName + ".tmp", w0));
            long appendsBefore =
                    c.metrics().histogram("wal.client.append_batch_bytes").getCount();
            assertEquals(1 + group.size(), w.submitAtomically(group));
            w.flush().get(30, TimeUnit.SECONDS);
            var sizes = c.metrics().histogram("wal.client.append_batch_bytes");
            assertEquals(appendsBefore + 2, sizes.getCount(), "the buffered op, then the group whole");
            int groupBytes = group.stream().mapToInt(Op::getSerializedSize).sum();
            assertTrue(
                    groupBytes > 16 << 10 && sizes.getSnapshot().getMax() >= groupBytes,
                    "one batch held the group (" + groupBytes + " bytes, largest batch "
                            + sizes.getSnapshot().getMax() + ")");
            Map<Long, Op> all = readAll(c, tl, 0, 1);
            for (long seq = 2; seq <= 1 + group.size(); seq++) {
                assertEquals(group.get((int) seq - 2), all.get(seq), "op " + seq);
            }
        }
    }

    /**
     * Rule 4, the writer's clamp (docs/design.md): an op submitted with a W below one already sent
     * is stored with the higher W, and a writer of a new generation starts from the highest W the
     * log holds (its claim's max_wal_end), not from what its compute says. Without the clamp the log
     * would refuse those ops (W_REGRESSION) and the compute would stop.
     */
    @Test
    void theWriterNeverLetsWGoBackAcrossOpsAndGenerations() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter first = claimedWriter(c, tl, 1);
            long[] given = {100, 50, 200, 0};
            for (int i = 0; i < given.length; i++) {
                first.submit(
                        TestOps.opFor(i + 1).toBuilder().setWalEnd(given[i]).build());
            }
            first.flush().get(60, TimeUnit.SECONDS);
            TimelineWriter second = claimedWriter(c, tl, 2);
            second.submit(TestOps.opFor(5).toBuilder().setWalEnd(10).build());
            second.submit(TestOps.opFor(6).toBuilder().setWalEnd(300).build());
            second.flush().get(60, TimeUnit.SECONDS);
            java.util.List<Long> stored =
                    readAll(c, tl, 0, 1).values().stream().map(Op::getWalEnd).toList();
            assertEquals(java.util.List.of(100L, 100L, 200L, 200L, 200L, 300L), stored);
        }
    }

    @Test
    void concurrentSubmittersKeepSeqOrderUnderBackpressure() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = WalClient.connect(
                        cl.cluster,
                        new io.ramify.wal.client.WalClientConfig(
                                Duration.ofSeconds(5),
                                20,
                                Duration.ofMillis(50),
                                Duration.ofSeconds(1),
                                16 << 10,
                                32L << 10))) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            int threads = 4;
            int perThread = 250;
            java.util.concurrent.ConcurrentHashMap<Long, Op> sent = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.List<Thread> ts = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                ts.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        Op op = TestOps.opFor(1 + id * perThread + i).toBuilder()
                                .setWalEnd(0)
                                .build();
                        sent.put(w.submit(op), op);
                        if (i % 10 == 9) {
                            w.durable(w.lastSubmittedSeq()).join();
                        }
                    }
                }));
            }
            for (Thread t : ts) {
                t.join();
            }
            w.flush().get(60, TimeUnit.SECONDS);
            Map<Long, Op> all = readAll(c, tl, 0, 1);
            assertEquals(threads * perThread, all.size());
            assertEquals(sent, all, "every op at the seq its submit returned");
        }
    }

    /**
     * Group commit: fsyncs that come while an append is in flight share the next Raft entry. Four
     * threads each submit an op and wait for it, 150 times; with one entry per wait there would be
     * 600 appends. (Before the writer coalesced, each wait whose op was still buffered sent its own.)
     */
    @Test
    void concurrentDurableWaitsShareAppends() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            int threads = 4;
            int waitsEach = 150;
            long appendsBefore =
                    c.metrics().histogram("wal.client.append_batch_bytes").getCount();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<Thread> ts = new java.util.ArrayList<>();
            java.util.concurrent.atomic.AtomicReference<Throwable> failed =
                    new java.util.concurrent.atomic.AtomicReference<>();
            for (int t = 0; t < threads; t++) {
                ts.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < waitsEach; i++) {
                            long seq;
                            synchronized (w) {
                                seq = w.submit(TestOps.opFor(w.lastSubmittedSeq() + 1));
                            }
                            w.durable(seq).get(30, TimeUnit.SECONDS);
                        }
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                }));
            }
            go.countDown();
            for (Thread t : ts) {
                t.join();
            }
            assertEquals(null, failed.get());
            long appends =
                    c.metrics().histogram("wal.client.append_batch_bytes").getCount() - appendsBefore;
            assertEquals(threads * waitsEach, w.durableSeq());
            assertTrue(
                    appends < 0.75 * threads * waitsEach,
                    appends + " appends for " + threads * waitsEach + " durable waits from " + threads + " threads");
            assertEquals(threads * waitsEach, readAll(c, tl, 0, 1).size());
        }
    }

    @Test
    void olderGenerationIsRefusedFromTheMomentANewerClaims() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter a = claimedWriter(c, tl, 1);
            for (long seq = 1; seq <= 50; seq++) {
                a.submit(TestOps.opFor(seq));
            }
            a.flush().get(30, TimeUnit.SECONDS);

            TimelineWriter b = claimedWriter(c, tl, 2);
            a.submit(TestOps.opFor(51));
            Exception e = assertThrows(Exception.class, () -> a.flush().get(30, TimeUnit.SECONDS));
            WalRejectedException r = (WalRejectedException) e.getCause();
            assertEquals(Code.STALE_GENERATION, r.code(), r.getMessage());
            assertThrows(WalRejectedException.class, () -> a.submit(TestOps.opFor(52)), "a fenced writer stays failed");

            assertEquals(51L, b.submit(TestOps.opFor(51)));
            b.flush().get(30, TimeUnit.SECONDS);
            WalRejectedException old =
                    assertThrows(WalRejectedException.class, () -> await(c.claim(tl, Generation.of(1))));
            assertEquals(Code.STALE_GENERATION, old.code());
            assertEquals(51, await(c.status(tl)).getLastSeq());
            assertEquals(2, await(c.status(tl)).getGeneration());
        }
    }

    /**
     * Leaders are spread by one explicit balance and then stay where elections put them. With Ratis
     * peer priorities the restarted node took its group back on its own as soon as it caught up (the
     * check below for n0 not leading again fails), and a hand-over that could not complete was
     * tried again and again, refusing writes meanwhile.
     */
    @Test
    void leadersAreSpreadByAnExplicitBalanceAndNotHandedBackByTheServers() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 3, 10_000);
                WalClient c = cl.client()) {
            assertTrue(c.awaitBalancedLeaders(Duration.ofSeconds(60)), "balanced within 60 s");
            for (int g = 0; g < 3; g++) {
                assertEquals(g, cl.leaderOf(g), "group " + g + " led by its preferred node");
            }
            TimelineId tl = timelineInGroup(c, 0);
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            cl.stop(0);
            for (long seq = 1; seq <= 100; seq++) {
                w.submit(TestOps.opFor(seq));
            }
            w.flush().get(30, TimeUnit.SECONDS);
            int interim = cl.leaderOf(0);
            cl.start(0);
            cl.awaitCaughtUp(0, 0, Duration.ofSeconds(60));
            for (long seq = 101; seq <= 200; seq++) { // appends while n0 is caught up and following
                w.submit(TestOps.opFor(seq));
                w.flush().get(30, TimeUnit.SECONDS);
                Thread.sleep(20);
            }
            Thread.sleep(5_000); // idle: with priorities, n0 now matches the leader's log and takes over
            assertEquals(interim, cl.leaderOf(0), "group 0 stays with the leader elected while n0 was down");
            assertEquals(3, c.balanceLeaders(Duration.ofSeconds(10)), "one balance moves it back");
            assertEquals(0, cl.leaderOf(0));
            for (long seq = 201; seq <= 210; seq++) {
                w.submit(TestOps.opFor(seq));
            }
            w.flush().get(30, TimeUnit.SECONDS); // the writer rode out the hand-over
            assertEquals(210, readAll(c, tl, 0, 1).size());
        }
    }

    static TimelineId timelineInGroup(WalClient c, int group) {
        while (true) {
            TimelineId tl = TimelineId.random();
            if (c.groupOf(tl) == group) {
                return tl;
            }
        }
    }

    /**
     * A long-polling ReadOps parks on the leader until the next append to its timeline and is then
     * answered with it; one with nothing appended comes back empty after its wait. (Answered at
     * once, as before the long poll, the first read would be done, empty, before the append.)
     */
    @Test
    void aLongPollIsAnsweredByTheNextAppend() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            var poll = c.readOps(tl, 0, 1, Seq.of(1), 1 << 20, 100, Duration.ofMillis(2_000));
            Thread.sleep(300);
            assertFalse(poll.isDone(), "waits while the timeline has nothing from seq 1");
            w.submit(TestOps.opFor(1));
            w.flush().get(30, TimeUnit.SECONDS);
            long appended = System.nanoTime();
            OpsChunk got = poll.get(30, TimeUnit.SECONDS);
            long afterMs = (System.nanoTime() - appended) / 1_000_000;
            assertEquals(1, got.getOpsCount());
            assertEquals(1, got.getOps(0).getSeq());
            assertTrue(
                    afterMs < 1_500, "woken by the append, not by its 2 s wait: " + afterMs + " ms after the append");

            long started = System.nanoTime();
            OpsChunk empty = await(c.readOps(tl, 0, 1, Seq.of(2), 1 << 20, 100, Duration.ofMillis(500)));
            assertEquals(0, empty.getOpsCount());
            assertEquals(2, empty.getNextSeq());
            assertTrue((System.nanoTime() - started) / 1_000_000 >= 400, "waited for an append that did not come");
            var tooLong = assertThrows(
                    IllegalArgumentException.class,
                    () -> c.readOps(tl, 0, 1, Seq.of(2), 1 << 20, 100, Duration.ofSeconds(10)));
            assertTrue(tooLong.getMessage().contains("waits at most"), tooLong.getMessage());
        }
    }

    /**
     * A long poll must not hold up the client's other requests: Ratis answers the requests of its
     * ordered stream in order, so a parked read sent that way held every later read and ack of the
     * page store (one RaftClient per group) until its wait ran out. CI saw a shard 5 s behind.
     */
    @Test
    void aWaitingLongPollDoesNotHoldUpTheClientsOtherRequests() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId quiet = TimelineId.random();
            TimelineId busy = TimelineId.random();
            await(c.createRoot(quiet, 1));
            await(c.createRoot(busy, 1));
            TimelineWriter w = claimedWriter(c, busy, 1);
            w.submit(TestOps.opFor(1));
            w.flush().get(30, TimeUnit.SECONDS);
            var parked = c.readOps(quiet, 0, 1, Seq.of(1), 1 << 20, 100, Duration.ofMillis(2_000));
            Thread.sleep(200); // sent first
            OpsChunk got = c.readOps(busy, 0, 1, Seq.of(1), 1 << 20, 100).get(30, TimeUnit.SECONDS);
            assertEquals(1, got.getOpsCount());
            assertFalse(parked.isDone(), "the read of the busy timeline was answered while the long poll still waits");
            await(c.ack(busy, 0, Seq.of(1)));
            assertFalse(parked.isDone(), "so was the ack");
            assertEquals(0, parked.get(30, TimeUnit.SECONDS).getOpsCount());
        }
    }

    @Test
    void restartedNodeCatchesUp() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 10_000);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            int follower = (cl.leaderOf(0) + 1) % 3;
            cl.stop(follower);
            for (long seq = 1; seq <= 300; seq++) {
                w.submit(TestOps.opFor(seq));
            }
            w.flush().get(30, TimeUnit.SECONDS);
            cl.start(follower);
            cl.awaitCaughtUp(follower, 0, Duration.ofSeconds(60));
            assertEquals(await(c.status(tl)), localStatus(cl, follower, tl));
        }
    }

    @Test
    void nodeWhoseDataWasDeletedRejoinsBySnapshot() throws Exception {
        try (WalTestCluster cl = new WalTestCluster(dir, 3, 1, 100);
                WalClient c = cl.client()) {
            TimelineId tl = TimelineId.random();
            await(c.createRoot(tl, 1));
            TimelineWriter w = claimedWriter(c, tl, 1);
            int follower = (cl.leaderOf(0) + 1) % 3;
            cl.stop(follower);
            GroupDb.deleteTree(cl.dataDir(follower));
            for (long seq = 1; seq <= 3000; seq++) {
                w.submit(TestOps.opFor(seq));
                if (seq % 10 == 0) {
                    w.flush().get(30, TimeUnit.SECONDS); // many small entries, so snapshots and purges happen
                }
            }
            w.flush().get(30, TimeUnit.SECONDS);
            int leader = cl.leaderOf(0);
            long logStart = cl.division(leader, 0).getRaftLog().getStartIndex();
            assertTrue(logStart > 1, "the leader's log was trimmed after snapshots (starts at " + logStart + ")");

            cl.start(follower);
            cl.awaitCaughtUp(follower, 0, Duration.ofSeconds(90));
            assertEquals(await(c.status(tl)), localStatus(cl, follower, tl));
            Path snapshots = cl.dataDir(follower)
                    .resolve(cl.cluster.groupId(0).getUuid().toString())
                    .resolve("sm")
                    .resolve("snapshots");
            assertTrue(Files.isDirectory(snapshots), "the follower received a snapshot in " + snapshots);
        }
    }

    static TimelineStatus localStatus(WalTestCluster cl, int node, TimelineId tl) throws Exception {
        var q = QueryRequest.newBuilder()
                .setStatus(GetStatus.newBuilder().setTimeline(com.google.protobuf.ByteString.copyFrom(tl.toBytes())))
                .build();
        return cl.localQuery(node, 0, q).getStatus();
    }
}
