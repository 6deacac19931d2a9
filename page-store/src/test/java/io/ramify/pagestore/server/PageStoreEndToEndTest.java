package io.ramify.pagestore.server;

import static io.ramify.wal.client.WalClient.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreException;
import io.ramify.pagestore.client.Views;
import io.ramify.pagestore.proto.Block;
import io.ramify.pagestore.proto.BlockRef;
import io.ramify.pagestore.proto.FileStat;
import io.ramify.pagestore.proto.TimelineUsage;
import io.ramify.pagestore.proto.View;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ops appended to a real 3-node ratis-wal come back through two real page-store shards for the
 * writer's view, for an older cut, and for a child laid over the parent at a fork cut; afterwards
 * ratis-wal has every op acknowledged by both shards.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class PageStoreEndToEndTest {
    static final int B = FsModel.B;
    static final String F = "base/5/100";
    static final String G = "base/5/200";
    static final String H = "pg_xact/0000";
    /*
     * Rename targets are picked on the other shard than their source: the shard map hashes the
     * path, so the source's versions stay on the source's shard, and reads of the new name must be
     * redirected there (the owner answers with a redirect; the client follows it).
     */
    static final String G2 = otherShard(G, "base/5/3");
    static final String H2 = otherShard(H, "pg_xact/000");
    /** Blocks of F over five stripes, so both shards own some. */
    static final long[] F_BLOCKS = {0, 1, 2047, 2048, 2049, 4096, 6144, 8192, 10240};

    @TempDir
    Path dir;

    /** Submits ops to a writer and to a model in the same order. */
    static final class Feed {
        final TimelineWriter w;
        final FsModel model;
        final Random rnd;

        Feed(TimelineWriter w, FsModel model, long seed) {
            this.w = w;
            this.model = model;
            this.rnd = new Random(seed);
        }

        long op(Op op) {
            long seq = w.submit(op);
            model.apply(seq, op);
            return seq;
        }

        long block(String file, long block) {
            byte[] image = new byte[B];
            rnd.nextBytes(image);
            return op(Ops.block(file, block, image, 0));
        }
    }

    static TimelineWriter claimed(WalClient c, TimelineId tl) {
        TimelineStatus s = await(c.claim(tl, Generation.of(1)));
        return c.writer(tl, Generation.of(1), s);
    }

    /**
     * A busy timeline reaches a shard in batches: after each chunk its follower holds back the next
     * pull for {@code INGEST_BATCH_WAIT} (unless a reader waits), so 100 commits a few milliseconds
     * apart come in far fewer chunks, each a read on the ratis-wal leader and a write here. With the
     * hold-back at 0 this fails: one chunk per commit.
     */
    @Test
    void aBusyTimelineReachesAShardInBatches() throws Exception {
        try (PageStoreRig rig = new PageStoreRig(dir, 1);
                WalClient wal = rig.walClient()) {
            PageStoreServer shard = rig.start(0);
            TimelineId tl = TimelineId.random();
            await(wal.createRoot(tl, 1));
            Feed f = new Feed(claimed(wal, tl), new FsModel(), 3);
            f.op(Ops.file(FileEvent.Kind.MKDIR, "base/5", 0));
            f.op(Ops.file(FileEvent.Kind.CREATE, G, 0));
            f.op(Ops.extend(G, 3 * B, 0));
            rig.awaitIngested(tl, f.w.flush().get(30, TimeUnit.SECONDS), Duration.ofSeconds(30));
            com.codahale.metrics.Counter chunks = shard.metrics().counter("pagestore.ingest.chunks");
            long before = chunks.getCount();
            int commits = 100;
            long last = 0;
            for (int i = 0; i < commits; i++) {
                f.block(G, i % 3);
                last = f.w.flush().get(30, TimeUnit.SECONDS);
                Thread.sleep(3);
            }
            rig.awaitIngested(tl, last, Duration.ofSeconds(30));
            long used = chunks.getCount() - before;
            assertTrue(used <= commits / 3, commits + " commits came in " + used + " chunks");
            try (PageStoreClient ps = rig.client()) {
                check(ps, "after the batches", Views.root(tl, last), last, f.model, List.of());
            }
        }
    }

    /** The storage diff of child and parent, summed over both shards, is what the models say. */
    private static void checkDiffs(
            PageStoreClient ps,
            FsModel childModel,
            FsModel parentModel,
            View childView,
            long childLast,
            View parentHead,
            long parentLast) {
        assertEquals(
                expectedDiff(childModel, parentModel, ""),
                asText(ps.diffViews(childView, childLast, parentHead, parentLast, List.of(), Duration.ofSeconds(60))),
                "DiffViews of child and parent head");
        assertEquals(
                expectedDiff(childModel, parentModel, "base/"),
                asText(ps.diffViews(
                        childView, childLast, parentHead, parentLast, List.of("base/"), Duration.ofSeconds(60))),
                "DiffViews of child and parent head, base/ only");
        assertEquals(
                Map.of(),
                asText(ps.diffViews(childView, childLast, childView, childLast, List.of(), Duration.ofSeconds(60))),
                "a view has no differences with itself");
    }

    @Test
    void opsComeBackForOwnOlderAndForkedViewsAndAreAcknowledged() throws Exception {
        try (PageStoreRig rig = new PageStoreRig(dir, 2);
                WalClient wal = rig.walClient()) {
            rig.start(0);
            rig.start(1);
            TimelineId parent = TimelineId.random();
            TimelineId child = TimelineId.random();
            await(wal.createRoot(parent, 2));
            await(wal.createRoot(child, 2));

            Feed p = new Feed(claimed(wal, parent), new FsModel(), 1);
            byte[] walBytes = new byte[3 * B + 100];
            p.rnd.nextBytes(walBytes);
            p.op(Ops.wal(0x1000000, walBytes, 0x1000000 + walBytes.length)); // not streamed to shards
            p.op(Ops.file(FileEvent.Kind.MKDIR, "base/5", 0));
            p.op(Ops.file(FileEvent.Kind.CREATE, F, 0));
            p.op(Ops.extend(F, (F_BLOCKS[F_BLOCKS.length - 1] + 1) * B, 0));
            for (long b : F_BLOCKS) {
                p.block(F, b);
            }
            p.op(Ops.file(FileEvent.Kind.CREATE, G, 0));
            p.op(Ops.extend(G, 3 * B, 0));
            for (long b = 0; b < 3; b++) {
                p.block(G, b);
            }
            p.op(Ops.file(FileEvent.Kind.MKDIR, "pg_xact", 0));
            p.op(Ops.file(FileEvent.Kind.CREATE, H, 0));
            p.op(Ops.extend(H, B, 0));
            p.block(H, 0);
            long forkCut = p.w.lastSubmittedSeq();
            FsModel atFork = p.model.copy();
            p.block(F, 0);
            p.block(F, 2048);
            p.op(Ops.truncate(F, 4096L * B + 100, 0)); // block 4096 keeps 100 bytes; 6144.. are gone
            p.op(Ops.rename(G, G2, 0));
            p.block(G2, 1);
            p.op(Ops.file(FileEvent.Kind.UNLINK, H, 0));
            long parentLast = p.w.lastSubmittedSeq();
            assertEquals(parentLast, p.w.flush().get(30, TimeUnit.SECONDS));

            // The child sees the parent at forkCut; its own ops win over inherited ones.
            Feed c = new Feed(claimed(wal, child), atFork.copy(), 2);
            long childF1 = c.block(F, 1);
            c.op(Ops.extend(F, (F_BLOCKS[F_BLOCKS.length - 1] + 2) * B, 0));
            c.block(F, F_BLOCKS[F_BLOCKS.length - 1] + 1);
            c.op(Ops.file(FileEvent.Kind.CREATE, "base/5/900", 0));
            c.op(Ops.extend("base/5/900", B, 0));
            c.block("base/5/900", 0);
            c.op(Ops.truncate(G, B, 0));
            c.op(Ops.rename(H, H2, 0));
            long childLast = c.w.lastSubmittedSeq();
            assertEquals(childLast, c.w.flush().get(30, TimeUnit.SECONDS));

            Set<Integer> owners = new HashSet<>();
            try (PageStoreClient ps = rig.client()) {
                for (long b : F_BLOCKS) {
                    owners.add(ps.ownerOf(F, b));
                }
                assertEquals(Set.of(0, 1), owners, "F's blocks must be spread over both shards");
                List<FsModel> all = List.of(p.model, atFork, c.model);
                // No polling first: the reads themselves wait until the shards have ingested that far.
                check(ps, "parent head", Views.root(parent, parentLast), parentLast, p.model, all);
                check(ps, "parent at fork cut", Views.root(parent, forkCut), 0, atFork, all);
                View childView = Views.of(Views.level(child, childLast), Views.level(parent, forkCut));
                check(ps, "child", childView, childLast, c.model, all);

                Block own = ps.getBlock(childView, F, 1, childLast);
                assertEquals(child, TimelineId.fromBytes(own.getTimeline().toByteArray()));
                assertEquals(childF1, own.getSeq());
                Block inherited = ps.getBlock(childView, F, 2047, childLast);
                assertEquals(
                        parent, TimelineId.fromBytes(inherited.getTimeline().toByteArray()));

                badInput(ps, parent, parentLast);

                checkDiffs(ps, c.model, p.model, childView, childLast, Views.root(parent, parentLast), parentLast);

                Map<TimelineId, TimelineUsage> usage = ps.usage(List.of(parent, child));
                assertEquals(F_BLOCKS.length + 3 + 1 + 3, usage.get(parent).getVersions(), "parent's own versions");
                assertEquals(3, usage.get(child).getVersions(), "child's own versions");
                assertTrue(usage.get(parent).getOwnBytes() > 10L * B);
            }

            // (d) Both shards acknowledged everything, WAL ops and other shards' blocks included.
            for (TimelineId tl : List.of(parent, child)) {
                long last = tl.equals(parent) ? parentLast : childLast;
                PageStoreRig.awaitTrue(
                        () -> await(wal.status(tl)).getAckedByAll() == last,
                        Duration.ofSeconds(30),
                        () -> "acked_by_all of " + tl.shortForm() + " is "
                                + await(wal.status(tl)).getAckedByAll() + ", want " + last + rig.describe());
            }
            assertTrue(rig.shard(0).healthy(), rig.shard(0).healthJson());
            assertTrue(rig.shard(0)
                            .metrics()
                            .getCounters()
                            .get("pagestore.ingest.ops")
                            .getCount()
                    > 0);
        }
    }

    /** The first name {@code prefix + n} whose stripe 0 lives on the other shard (of 2) than {@code source}'s. */
    static String otherShard(String source, String prefix) {
        for (int n = 1; ; n++) {
            if (io.ramify.common.ShardMap.shardOf(prefix + n, 0, 2)
                    != io.ramify.common.ShardMap.shardOf(source, 0, 2)) {
                return prefix + n;
            }
        }
    }

    /** Every block, stat and the listing of {@code view} equal the model's. */
    static void check(PageStoreClient ps, String what, View view, long waitFor, FsModel model, List<FsModel> all) {
        TreeSet<String> paths = new TreeSet<>(List.of("nope/never"));
        List<BlockRef> refs = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (FsModel m : all) {
            paths.addAll(m.files.keySet());
            m.files.forEach((path, e) -> {
                for (long b : e.blocks.keySet()) {
                    if (seen.add(path + "#" + b)) {
                        refs.add(BlockRef.newBuilder().setFile(path).setBlock(b).build());
                    }
                }
            });
        }
        refs.add(BlockRef.newBuilder().setFile(F).setBlock(3).build()); // inside F, never written
        List<Block> got = ps.getBlocks(view, refs, waitFor);
        for (int i = 0; i < refs.size(); i++) {
            BlockRef r = refs.get(i);
            FsModel.Entry e = model.files.get(r.getFile());
            byte[] want = e == null || e.dir ? null : e.blocks.get(r.getBlock());
            String where = what + ": " + r.getFile() + "#" + r.getBlock();
            assertEquals(want != null, got.get(i).getPresent(), where + " present");
            if (want != null) {
                assertArrayEquals(want, got.get(i).getImage().toByteArray(), where + " image");
                assertEquals(e.blockSeq.get(r.getBlock()), got.get(i).getSeq(), where + " version seq");
            }
        }
        List<String> ordered = new ArrayList<>(paths);
        List<FileStat> stats = ps.stat(view, ordered, waitFor);
        for (int i = 0; i < ordered.size(); i++) {
            FsModel.Entry e = model.files.get(ordered.get(i));
            FileStat s = stats.get(i);
            assertEquals(e != null, s.getExists(), what + ": stat " + ordered.get(i));
            if (e != null) {
                assertEquals(e.dir, s.getDirectory(), what + ": directory " + ordered.get(i));
                assertEquals(e.size, s.getSize(), what + ": size " + ordered.get(i));
            }
        }
        Map<String, String> listed = new TreeMap<>();
        ps.listTree(view, waitFor).forEach(s -> listed.put(s.getPath(), s.getDirectory() + "/" + s.getSize()));
        Map<String, String> expected = new TreeMap<>();
        model.files.forEach((path, e) -> expected.put(path, e.dir + "/" + e.size));
        assertEquals(expected, listed, what + ": ListTree");
    }

    /** path -> "existsA/existsB sizeA/sizeB changed" for files the models see differently. */
    static Map<String, String> expectedDiff(FsModel a, FsModel b, String prefix) {
        Map<String, String> out = new TreeMap<>();
        TreeSet<String> paths = new TreeSet<>();
        a.files.forEach((path, e) -> {
            if (!e.dir && path.startsWith(prefix)) paths.add(path);
        });
        b.files.forEach((path, e) -> {
            if (!e.dir && path.startsWith(prefix)) paths.add(path);
        });
        for (String path : paths) {
            FsModel.Entry ea = a.files.get(path) == null || a.files.get(path).dir ? null : a.files.get(path);
            FsModel.Entry eb = b.files.get(path) == null || b.files.get(path).dir ? null : b.files.get(path);
            long sa = ea == null ? 0 : ea.size;
            long sb = eb == null ? 0 : eb.size;
            long changed = 0;
            for (long blk = 0; blk < Math.max((sa + B - 1) / B, (sb + B - 1) / B); blk++) {
                byte[] x = ea == null || blk >= (sa + B - 1) / B ? null : ea.blocks.getOrDefault(blk, new byte[B]);
                byte[] y = eb == null || blk >= (sb + B - 1) / B ? null : eb.blocks.getOrDefault(blk, new byte[B]);
                changed += x == null || y == null || !java.util.Arrays.equals(x, y) ? 1 : 0;
            }
            if (changed > 0 || sa != sb || (ea == null) != (eb == null)) {
                out.put(path, (ea != null) + "/" + (eb != null) + " " + sa + "/" + sb + " " + changed);
            }
        }
        return out;
    }

    static Map<String, String> asText(List<io.ramify.pagestore.proto.FileDiff> diff) {
        Map<String, String> out = new TreeMap<>();
        diff.forEach(d -> out.put(
                d.getPath(),
                d.getExistsA() + "/" + d.getExistsB() + " " + d.getSizeA() + "/" + d.getSizeB() + " "
                        + d.getChangedBlocks()));
        return out;
    }

    static void badInput(PageStoreClient ps, TimelineId parent, long parentLast) {
        TimelineId unknown = TimelineId.random();
        PageStoreException.BadRequest bad =
                assertThrows(PageStoreException.BadRequest.class, () -> ps.stat(Views.root(unknown, 0), List.of(F), 0));
        assertTrue(bad.getMessage().contains("unknown timeline " + unknown), bad.getMessage());
        PageStoreException.NotIngested late = assertThrows(
                PageStoreException.NotIngested.class,
                () -> ps.getBlocks(
                        Views.root(parent, parentLast + 1000),
                        List.of(BlockRef.newBuilder().setFile(F).setBlock(0).build()),
                        parentLast + 1000,
                        Duration.ofMillis(300)));
        assertTrue(
                late.getMessage().contains(parent.toString())
                        && late.getMessage().contains("wanted seq " + (parentLast + 1000))
                        && late.getMessage().contains(F + "#0"),
                late.getMessage());
        PageStoreException.BadRequest noLevels =
                assertThrows(PageStoreException.BadRequest.class, () -> ps.listTree(View.getDefaultInstance(), 0));
        assertTrue(noLevels.getMessage().contains("levels"), noLevels.getMessage());
        assertFalse(ps.stat(Views.root(parent, parentLast), List.of("base/5/100"), 0)
                .isEmpty());
    }
}
