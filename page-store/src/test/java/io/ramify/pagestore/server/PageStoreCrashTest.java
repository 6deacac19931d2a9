package io.ramify.pagestore.server;

import static io.ramify.wal.client.WalClient.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.ShardMap;
import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.kv.MemKv;
import io.ramify.kv.RocksKv;
import io.ramify.kv.Writes;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.core.Ingest;
import io.ramify.pagestore.proto.TimelineIngest;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard killed with SIGKILL in the middle of ingesting a large stream, then restarted on its
 * directory, ends with exactly the keys a shard that was never killed would hold: each op of its
 * share applied once, none skipped. The reference is the same ops applied in one go to an
 * in-memory store with the core's {@link Ingest}.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class PageStoreCrashTest {
    static final int OPS = 3000;
    /** Small pulls make many synced batches, so the kill lands between and inside them. */
    static final int OPS_PER_PULL = 16;

    @TempDir
    Path dir;

    @Test
    void shardKilledMidIngestResumesWithExactlyTheSameVersions() throws Exception {
        try (PageStoreRig rig = new PageStoreRig(dir, 2, Map.of("ops-per-pull", Integer.toString(OPS_PER_PULL)));
                WalClient wal = rig.walClient()) {
            rig.start(1);
            TimelineId tl = TimelineId.random();
            await(wal.createRoot(tl, 2));
            TimelineWriter w = PageStoreEndToEndTest.claimed(wal, tl);
            TreeMap<Long, Op> ops = new TreeMap<>();
            Random rnd = new Random(11);
            String[] files = {"base/5/16384", "base/5/16385"};
            for (String f : files) {
                Op create = Ops.file(FileEvent.Kind.CREATE, f, 0);
                ops.put(w.submit(create), create);
            }
            for (int i = 0; i < OPS; i++) {
                Op op;
                if (i % 100 == 99) {
                    op = Ops.extend(files[i % 2], (long) (i + 1) * 8192 * 4, 0);
                } else {
                    byte[] image = new byte[8192];
                    rnd.nextBytes(image);
                    op = Ops.block(files[i % 2], rnd.nextInt(4 * ShardMap.STRIPE_BLOCKS), image, 0);
                }
                ops.put(w.submit(op), op);
            }
            long last = w.flush().get(60, TimeUnit.SECONDS);

            // Shard 0 in a process of its own, so that it can be killed with no close and no flush.
            Part shard0 = rig.local.shard(0);
            shard0.place(LocalCluster.Placement.PROCESS);
            shard0.start();
            long atKill;
            try (PageStoreClient ps = rig.client()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (true) {
                    long ingested = ingestedOn(ps, 0, tl);
                    if (ingested > last / 4) {
                        atKill = ingested;
                        break;
                    }
                    assertTrue(System.nanoTime() < deadline, "shard 0 did not start ingesting: " + ingested);
                    Thread.sleep(5);
                }
            }
            shard0.kill();
            shard0.place(LocalCluster.Placement.IN_JVM);
            System.out.printf("shard 0 killed with %d of %d seqs ingested%n", atKill, last);
            assertTrue(atKill < last, "the kill must land mid-ingest; shard 0 had " + atKill + " of " + last);

            rig.start(0);
            rig.awaitIngested(tl, last, Duration.ofSeconds(90));
            PageStoreRig.awaitTrue(
                    () -> await(wal.status(tl)).getAckedByAll() == last,
                    Duration.ofSeconds(30),
                    () -> "acked_by_all " + await(wal.status(tl)).getAckedByAll() + " of " + last);
            rig.stop(0);

            MemKv expected = new MemKv();
            Writes ew = new Writes(expected);
            ops.forEach((seq, op) -> {
                if (!op.hasBlock()
                        || ShardMap.shardOf(
                                        op.getBlock().getFile(), op.getBlock().getBlock(), 2)
                                == 0) {
                    Ingest.apply(ew, tl, seq, op);
                }
            });
            Ingest.setIngested(ew, tl, last);
            expected.commit(ew);
            try (ShardDb db = ShardDb.open(rig.shardDir(0));
                    RocksKv kv = db.latest()) {
                List<Kv.Entry> want = all(expected);
                List<Kv.Entry> got = all(kv);
                assertEquals(keys(want), keys(got), "keys of shard 0 after the crash");
                for (int i = 0; i < want.size(); i++) {
                    assertArrayEquals(
                            want.get(i).value(),
                            got.get(i).value(),
                            "value of key " + hex(want.get(i).key()));
                }
                assertTrue(want.size() > OPS / 4, "shard 0 holds a real share: " + want.size() + " keys");
            }
        }
    }

    static long ingestedOn(PageStoreClient ps, int shard, TimelineId tl) {
        try {
            for (TimelineIngest t : ps.status(shard).getTimelinesList()) {
                if (TimelineId.fromBytes(t.getTimeline().toByteArray()).equals(tl)) {
                    return t.getIngestedSeq();
                }
            }
        } catch (RuntimeException notUpYet) {
            return 0;
        }
        return 0;
    }

    static List<Kv.Entry> all(Kv kv) {
        byte[] end = new byte[64];
        java.util.Arrays.fill(end, (byte) 0xFF);
        return kv.scan(new byte[0], end, Integer.MAX_VALUE);
    }

    static List<String> keys(List<Kv.Entry> es) {
        return es.stream().map(e -> hex(e.key())).toList();
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
