package io.ramify.pagestore.server;

import static io.ramify.wal.client.WalClient.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.cluster.LocalCluster;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.Views;
import io.ramify.pagestore.proto.Block;
import io.ramify.pagestore.proto.BlockRef;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard's ingestion of a followed timeline must not depend on the JVM's common ForkJoinPool.
 * bench/compute hung at its fork this way: it starts a compute with {@code
 * CompletableFuture.runAsync}, which on a 2-CPU machine is the common pool's only worker, and the
 * start waits for Postgres, whose reads wait for the shards (in the same JVM) to ingest the fork.
 * The fork's followers long-polled through Ratis's {@code sendReadOnlyUnordered}, whose replies
 * Ratis hands on with {@code whenCompleteAsync} on the common pool: they never ran, the lister
 * skips followed timelines, and shard 1 stayed at seq 3 while a read wanted seq 15.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class IngestWithBusyCommonPoolTest {
    static final int B = FsModel.B;
    static final String G = "base/5/200";
    /** The read waits this long for ingestion: far beyond what a long poll takes (1 s at most). */
    static final Duration READ_WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void aFollowedTimelineIsIngestedWhileEveryCommonPoolWorkerIsBusy() throws Exception {
        // ratis-wal in a process of its own, as in the benchmark: only this JVM's pool is starved (with
        // the node in this JVM, the append itself never committed: Ratis's server uses the pool too).
        // One node starts sooner than three and is enough here.
        try (PageStoreRig rig = new PageStoreRig(dir, 1, Map.of(), 1, LocalCluster.Placement.PROCESS);
                WalClient wal = rig.walClient();
                PageStoreClient ps = rig.client()) {
            PageStoreServer shard = rig.start(0);
            TimelineId tl = TimelineId.random();
            await(wal.createRoot(tl, 1));
            TimelineStatus claimed = await(wal.claim(tl, Generation.of(1)));
            TimelineWriter w = wal.writer(tl, Generation.of(1), claimed);
            w.submit(Ops.file(FileEvent.Kind.MKDIR, "base/5", 0));
            w.submit(Ops.file(FileEvent.Kind.CREATE, G, 0));
            w.submit(Ops.extend(G, 2L * B, 0));
            long first = done(w.flush());
            rig.awaitIngested(tl, first, Duration.ofSeconds(30));
            // The timeline had new ops, so a follower long-polls it now; the lister leaves it alone.
            PageStoreRig.awaitTrue(
                    () -> followed(shard) == 1,
                    Duration.ofSeconds(30),
                    () -> "no follower for " + tl.shortForm() + ": " + rig.describe());

            int workers = ForkJoinPool.getCommonPoolParallelism();
            CountDownLatch busy = new CountDownLatch(workers);
            CountDownLatch release = new CountDownLatch(1);
            for (int i = 0; i < workers; i++) {
                CompletableFuture.runAsync(() -> {
                    busy.countDown();
                    awaitUninterruptibly(release);
                });
            }
            try {
                assertTrue(
                        busy.await(30, TimeUnit.SECONDS), "the common pool did not run " + workers + " tasks at once");
                byte[] image = new byte[B];
                new java.util.Random(7).nextBytes(image);
                w.submit(Ops.block(G, 0, image, 0));
                w.submit(Ops.block(G, 1, image, 0));
                long last = done(w.flush());
                List<Block> got = ps.getBlocks(
                        Views.root(tl, last),
                        List.of(
                                BlockRef.newBuilder().setFile(G).setBlock(0).build(),
                                BlockRef.newBuilder().setFile(G).setBlock(1).build()),
                        last,
                        READ_WAIT);
                assertArrayEquals(image, got.get(0).getImage().toByteArray());
                assertArrayEquals(image, got.get(1).getImage().toByteArray());
            } finally {
                release.countDown();
            }
        }
    }

    static long followed(PageStoreServer shard) {
        return ((Number) shard.metrics()
                        .getGauges()
                        .get("pagestore.ingest.followed_timelines")
                        .getValue())
                .longValue();
    }

    /**
     * Waits for {@code f} by polling: {@code get} may run the common pool's queued completions itself
     * (a caller's help), which would hide what this test is about.
     */
    static <T> T done(CompletableFuture<T> f) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!f.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done within 30 s: " + f);
            }
            Thread.sleep(5);
        }
        return f.join();
    }

    static void awaitUninterruptibly(CountDownLatch l) {
        while (true) {
            try {
                l.await();
                return;
            } catch (InterruptedException e) {
                // keep the worker busy until the test releases it
            }
        }
    }
}
