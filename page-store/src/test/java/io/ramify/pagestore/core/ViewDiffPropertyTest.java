package io.ramify.pagestore.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.ShardMap;
import io.ramify.kv.MemKv;
import io.ramify.kv.Writes;
import io.ramify.pagestore.core.ViewReaderPropertyTest.Action;
import io.ramify.wal.proto.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/**
 * {@link ViewDiff} against the plain model: random op histories over a tree of timelines, then
 * pairs of views (any timeline at any cut against any other); the files reported and their
 * changed-block counts must be exactly those where the two model states differ in existence, size
 * or the bytes of a block. Checked on one store holding every block, and on two shards summed
 * (exact unless a rename moved a file's blocks between shards, where it may only over-count).
 */
class ViewDiffPropertyTest {
    static final int SHARDS = ViewReaderPropertyTest.SHARDS;

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Action> action() {
        return new ViewReaderPropertyTest().action();
    }

    @Property(tries = 200)
    void changedBlocksMatchTheModel(
            @ForAll @Size(max = 80) List<@net.jqwik.api.From("action") Action> actions, @ForAll long pairSeed) {
        MemKv kv = new MemKv();
        MemKv[] shards = {new MemKv(), new MemKv()};
        List<ViewReaderPropertyTest.Tl> tls = new ArrayList<>();
        tls.add(new ViewReaderPropertyTest.Tl(null, 0, new Model()));
        boolean renamed = false;
        for (Action a : actions) {
            ViewReaderPropertyTest.Tl t = tls.get(a.a() % tls.size());
            if (a.kind() < 8 && tls.size() < 6) {
                long cut = a.b() % (t.ops.size() + 1);
                tls.add(new ViewReaderPropertyTest.Tl(t, cut, ViewReaderPropertyTest.stateAt(t, cut)));
                continue;
            }
            for (Op op : ViewReaderPropertyTest.interpret(t.state, a)) {
                renamed |= op.hasFile() && op.getFile().getKind() == io.ramify.wal.proto.FileEvent.Kind.RENAME;
                t.ops.add(op);
                Writes w = new Writes(kv);
                Ingest.apply(w, t.id, t.ops.size(), op);
                kv.commit(w);
                ViewReaderPropertyTest.ingestSharded(shards, t.id, t.ops.size(), op);
            }
        }
        Random rnd = new Random(pairSeed);
        for (int pair = 0; pair < 12; pair++) {
            ViewReaderPropertyTest.Tl ta = tls.get(rnd.nextInt(tls.size()));
            ViewReaderPropertyTest.Tl tb = tls.get(rnd.nextInt(tls.size()));
            long ca = rnd.nextLong(ta.ops.size() + 1);
            long cb = rnd.nextLong(tb.ops.size() + 1);
            TreeMap<String, Long> want =
                    expected(ViewReaderPropertyTest.stateAt(ta, ca), ViewReaderPropertyTest.stateAt(tb, cb));
            View va = ta.view(ca);
            View vb = tb.view(cb);

            TreeMap<String, Long> whole = new TreeMap<>();
            for (ViewDiff.FileDiff d : ViewDiff.compare(kv, va, vb, p -> true, (p, b) -> true, 10_000)) {
                whole.put(d.path(), d.changedBlocks());
            }
            assertEquals(want, whole, "diff of " + va + " and " + vb);

            TreeMap<String, Long> summed = new TreeMap<>();
            for (int s = 0; s < SHARDS; s++) {
                int shard = s;
                for (ViewDiff.FileDiff d : ViewDiff.compare(
                        shards[s], va, vb, p -> true, (p, b) -> ShardMap.shardOf(p, b, SHARDS) == shard, 10_000)) {
                    summed.merge(d.path(), d.changedBlocks(), Long::sum);
                }
            }
            if (!renamed) {
                assertEquals(want, summed, "sharded diff of " + va + " and " + vb);
            } else {
                // A rename's blocks are compared by where they come from: never missed, maybe over-counted.
                want.forEach((p, n) -> assertTrue(
                        summed.getOrDefault(p, 0L) >= n,
                        "sharded diff under-counts " + p + " in " + va + " and " + vb));
            }
        }
    }

    /** Files whose existence, size or block bytes differ, with the number of differing blocks. */
    static TreeMap<String, Long> expected(Model a, Model b) {
        TreeMap<String, Long> out = new TreeMap<>();
        TreeSet<String> paths = new TreeSet<>();
        a.files.forEach((p, e) -> {
            if (!e.dir) paths.add(p);
        });
        b.files.forEach((p, e) -> {
            if (!e.dir) paths.add(p);
        });
        for (String p : paths) {
            Model.Entry ea = a.files.get(p);
            Model.Entry eb = b.files.get(p);
            ea = ea == null || ea.dir ? null : ea;
            eb = eb == null || eb.dir ? null : eb;
            long na = ea == null ? 0 : (ea.size + Model.B - 1) / Model.B;
            long nb = eb == null ? 0 : (eb.size + Model.B - 1) / Model.B;
            long changed = 0;
            for (long blk = 0; blk < Math.max(na, nb); blk++) {
                if (blk >= na || blk >= nb || !Arrays.equals(bytes(ea, blk), bytes(eb, blk))) {
                    changed++;
                }
            }
            boolean sizeDiffers = (ea == null) != (eb == null) || (ea != null && ea.size != eb.size);
            if (changed > 0 || sizeDiffers) {
                out.put(p, changed);
            }
        }
        return out;
    }

    private static byte[] bytes(Model.Entry e, long blk) {
        byte[] img = e.blocks.get(blk);
        return img == null ? new byte[Model.B] : img;
    }
}
