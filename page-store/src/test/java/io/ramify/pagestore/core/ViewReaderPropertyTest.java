package io.ramify.pagestore.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ramify.common.TimelineId;
import io.ramify.kv.MemKv;
import io.ramify.kv.Writes;
import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Random op histories over a tree of timelines (writes, truncates, unlinks, renames, directories,
 * forks at random cuts, garbage collection at random points), ingested into the page-store core and
 * replayed on a plain model; every read of every retained view must be identical in both.
 */
class ViewReaderPropertyTest {
    record Action(int kind, int a, int b, long seed) {}

    @Provide
    Arbitrary<Action> action() {
        return Combinators.combine(
                        Arbitraries.integers().between(0, 99),
                        Arbitraries.integers().between(0, 1000),
                        Arbitraries.integers().between(0, 1000),
                        Arbitraries.longs())
                .as(Action::new);
    }

    /** One timeline of the history under test: its parent, fork cut and ops so far. */
    static final class Tl {
        final TimelineId id = TimelineId.random();
        final Tl parent;
        final long forkCut;
        final List<Op> ops = new ArrayList<>();
        final List<Long> forkCutsOfChildren = new ArrayList<>();
        /** Cuts below this (other than fork cuts and the head) may have been collected. */
        long windowFrom;

        Model state;

        Tl(Tl parent, long forkCut, Model state) {
            this.parent = parent;
            this.forkCut = forkCut;
            this.state = state;
        }

        View view(long cut) {
            List<View.Level> levels = new ArrayList<>();
            levels.add(new View.Level(id, cut));
            for (Tl t = this; t.parent != null; t = t.parent) {
                levels.add(new View.Level(t.parent.id, t.forkCut));
            }
            return new View(levels);
        }
    }

    static final String[] PATHS = {"base/1/100", "base/1/101", "base/1/102", "global/pg_control", "pg_xact/0000"};
    static final String[] DIRS = {"base/2", "pg_tblspc/x"};

    /** Ops as two shards receive them (blocks by the shard map, file events to both). */
    static final int SHARDS = 2;

    static void ingestSharded(MemKv[] shards, TimelineId tl, long seq, Op op) {
        for (int s = 0; s < SHARDS; s++) {
            if (op.hasBlock()
                    && io.ramify.common.ShardMap.shardOf(
                                    op.getBlock().getFile(), op.getBlock().getBlock(), SHARDS)
                            != s) {
                continue;
            }
            Writes w = new Writes(shards[s]);
            Ingest.apply(w, tl, seq, op);
            shards[s].commit(w);
        }
    }

    /** What a client does: ask the owner shard, follow redirects to other shards (bounded). */
    static ViewReader.BlockRead readSharded(MemKv[] shards, View view, String path, long block) {
        int zeroFrom = BlockCodec.BLOCK_SIZE;
        for (int hop = 0; hop < 64; hop++) {
            int owner = io.ramify.common.ShardMap.shardOf(path, block, SHARDS);
            ViewReader.BlockRead r = ViewReader.block(
                    shards[owner],
                    view,
                    path,
                    block,
                    f -> io.ramify.common.ShardMap.shardOf(f, block, SHARDS) == owner);
            if (r.redirect() == null) {
                if (r.present() && zeroFrom < BlockCodec.BLOCK_SIZE) {
                    java.util.Arrays.fill(r.image(), zeroFrom, BlockCodec.BLOCK_SIZE, (byte) 0);
                }
                return r;
            }
            zeroFrom = Math.min(zeroFrom, r.redirect().zeroFrom());
            view = r.redirect().apply(view);
            path = r.redirect().file();
        }
        throw new AssertionError("redirect loop");
    }

    @Property(tries = 300)
    void everyReadOfEveryViewMatchesTheModel(
            @ForAll @Size(max = 80) List<@net.jqwik.api.From("action") Action> actions) {
        MemKv kv = new MemKv();
        MemKv[] shards = {new MemKv(), new MemKv()};
        boolean gcRan = false; // the sharded copy is not collected: it is checked at every cut
        List<Tl> tls = new ArrayList<>();
        tls.add(new Tl(null, 0, new Model()));
        for (Action a : actions) {
            Tl t = tls.get(a.a() % tls.size());
            if (a.kind() < 8 && tls.size() < 6) {
                fork(tls, t, a);
            } else if (a.kind() < 12) {
                collectGarbage(kv, tls, a);
                gcRan = true;
            } else {
                List<Op> ops = interpret(t.state, a);
                for (Op op : ops) {
                    t.ops.add(op);
                    Writes w = new Writes(kv);
                    Ingest.apply(w, t.id, t.ops.size(), op);
                    Ingest.setIngested(w, t.id, t.ops.size());
                    kv.commit(w);
                    ingestSharded(shards, t.id, t.ops.size(), op);
                }
            }
        }
        for (Tl t : tls) {
            java.util.TreeSet<Long> cuts = new java.util.TreeSet<>(t.forkCutsOfChildren);
            for (long cut = t.windowFrom; cut <= t.ops.size(); cut++) {
                cuts.add(cut);
            }
            for (long cut : cuts) {
                check(kv, t, cut);
                if (!gcRan) {
                    checkSharded(shards, t, cut);
                }
            }
        }
    }

    /** Moves every timeline's history window forward at random and collects, in small steps. */
    private static void collectGarbage(MemKv kv, List<Tl> tls, Action a) {
        Random rnd = new Random(a.seed());
        for (Tl t : tls) {
            t.windowFrom += rnd.nextLong(0, t.ops.size() - t.windowFrom + 1);
            Gc.Retention r =
                    new Gc.Retention(t.ops.size(), t.windowFrom, new java.util.TreeSet<>(t.forkCutsOfChildren));
            byte[] from = null;
            for (int step = 0; step < 10_000; step++) {
                Writes w = new Writes(kv);
                Gc.Result res = Gc.collect(kv, w, t.id, r, from, 3 + a.b() % 5);
                kv.commit(w);
                if ((from = res.resumeFrom()) == null) {
                    break;
                }
            }
        }
    }

    private static void fork(List<Tl> tls, Tl parent, Action a) {
        // A branch point must be a retained cut: inside the history window.
        long cut = parent.windowFrom + a.b() % (parent.ops.size() - parent.windowFrom + 1);
        tls.add(new Tl(parent, cut, stateAt(parent, cut)));
        parent.forkCutsOfChildren.add(cut);
    }

    /** The model's state of a timeline at a cut, replayed from scratch. */
    static Model stateAt(Tl t, long cut) {
        Model m = t.parent == null ? new Model() : stateAt(t.parent, t.forkCut);
        for (int i = 0; i < cut; i++) {
            applyToModel(m, t.ops.get(i));
        }
        return m;
    }

    static void applyToModel(Model m, Op op) {
        if (op.hasBlock()) {
            m.write(
                    op.getBlock().getFile(),
                    op.getBlock().getBlock(),
                    op.getBlock().getImage().toByteArray());
            return;
        }
        FileEvent e = op.getFile();
        switch (e.getKind()) {
            case CREATE -> m.create(e.getPath());
            case MKDIR -> m.mkdir(e.getPath());
            case UNLINK, RMDIR -> m.remove(e.getPath());
            case TRUNCATE -> m.truncate(e.getPath(), e.getSize());
            case EXTEND -> m.extend(e.getPath(), e.getSize());
            case RENAME -> m.rename(e.getPath(), e.getTarget());
            default -> throw new IllegalStateException(e.toString());
        }
    }

    /** Turns a random action into the ops a compute would make, valid for the current state. */
    static List<Op> interpret(Model s, Action a) {
        List<Op> out = new ArrayList<>();
        String p = PATHS[a.b() % PATHS.length];
        Model.Entry e = s.files.get(p);
        int k = a.kind();
        if (e == null || e.dir) {
            if (e == null && k < 60) {
                out.add(Ops.file(FileEvent.Kind.CREATE, p, 0));
            } else if (k >= 95) {
                String d = DIRS[a.b() % DIRS.length];
                out.add(Ops.file(s.files.containsKey(d) ? FileEvent.Kind.RMDIR : FileEvent.Kind.MKDIR, d, 0));
            }
        } else if (k < 70) {
            long block = new Random(a.seed()).nextInt(6);
            byte[] img = new byte[Model.B];
            new Random(a.seed() + 1).nextBytes(img);
            if ((block + 1) * Model.B > e.size) {
                out.add(Ops.extend(p, (block + 1) * Model.B, 0));
            }
            out.add(Ops.block(p, block, img, 0));
        } else if (k < 80) {
            out.add(Ops.truncate(p, new Random(a.seed()).nextLong(0, e.size + 1), 0));
        } else if (k < 88) {
            out.add(Ops.file(FileEvent.Kind.UNLINK, p, 0));
        } else {
            String to = PATHS[(a.b() + 1 + a.a() % (PATHS.length - 1)) % PATHS.length];
            if (!to.equals(p)) {
                out.add(Ops.rename(p, to, 0));
            }
        }
        for (Op op : out) {
            applyToModel(s, op);
        }
        return out;
    }

    static void check(MemKv kv, Tl t, long cut) {
        Model m = stateAt(t, cut);
        View v = t.view(cut);
        List<String> expectedPaths = new ArrayList<>(m.files.keySet());
        List<String> listed = ViewReader.list(kv, v, 10_000).stream()
                .map(ViewReader.FileStat::path)
                .toList();
        assertEquals(expectedPaths, listed, "paths of " + v);
        for (String p : concat(PATHS, DIRS)) {
            Model.Entry e = m.files.get(p);
            ViewReader.FileStat st = ViewReader.stat(kv, v, p);
            assertEquals(e != null, st.exists(), "exists " + p + " in " + v);
            if (e != null) {
                assertEquals(e.dir, st.directory(), "dir " + p);
                assertEquals(e.size, st.size(), "size " + p + " in " + v);
            }
            for (long b = 0; b < 7; b++) {
                ViewReader.BlockRead r = ViewReader.block(kv, v, p, b);
                byte[] want = e == null ? null : e.blocks.get(b);
                assertEquals(want != null, r.present(), "block " + p + "#" + b + " present in " + v);
                if (want != null) {
                    assertArrayEquals(want, r.image(), "block " + p + "#" + b + " in " + v);
                }
            }
        }
    }

    /** Every block read through two shards and their redirects equals the model. */
    static void checkSharded(MemKv[] shards, Tl t, long cut) {
        Model m = stateAt(t, cut);
        View v = t.view(cut);
        for (String p : PATHS) {
            Model.Entry e = m.files.get(p);
            for (long b = 0; b < 7; b++) {
                ViewReader.BlockRead r = readSharded(shards, v, p, b);
                byte[] want = e == null ? null : e.blocks.get(b);
                assertEquals(want != null, r.present(), "sharded block " + p + "#" + b + " present in " + v);
                if (want != null) {
                    assertArrayEquals(want, r.image(), "sharded block " + p + "#" + b + " in " + v);
                }
            }
        }
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
