package io.ramify.pagestore.core;

import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * Answers reads for a view (docs/design.md rule 6): a block's content is the newest own version at or
 * before the cut unless a newer own barrier (create, truncate, unlink, rename) hides it or makes it
 * come from a rename's source; else the parent's view at the fork cut decides; else the block
 * does not exist. Pure: it reads only through {@link Kv}.
 */
public final class ViewReader {
    /** Renames followed in one read before giving up (a loop would be a bug upstream). */
    static final int RENAME_HOPS_MAX = 64;
    /** Barrier events of one path examined in one read. */
    static final int EVENTS_SCANNED_MAX = 100_000;

    private ViewReader() {}

    /**
     * A block as a view sees it: absent, or its image and where it came from, or — when a rename
     * makes it come from a path whose blocks live on another shard — where to ask next.
     */
    public record BlockRead(boolean present, byte[] image, TimelineId timeline, long seq, Redirect redirect) {
        static final BlockRead ABSENT = new BlockRead(false, null, null, 0, null);
    }

    /**
     * Read {@code file} in the view made of level {@code level} at {@code cut} and the levels after
     * it: the source of a rename, owned by another shard. Bytes from {@code zeroFrom} on read as
     * zeros (a partial truncate after the rename).
     */
    public record Redirect(String file, int level, long cut, int zeroFrom) {
        public View apply(View v) {
            java.util.List<View.Level> levels = new ArrayList<>();
            levels.add(new View.Level(v.levels().get(level).timeline(), cut));
            levels.addAll(v.levels().subList(level + 1, v.levels().size()));
            return new View(levels);
        }
    }

    /** A path as a view sees it. */
    public record FileStat(String path, boolean exists, boolean directory, long size) {}

    public static BlockRead block(Kv kv, View view, String path, long block) {
        return block(kv, view, path, block, f -> true);
    }

    /** Like {@link #block}, for a shard that stores the blocks of the paths {@code local} accepts. */
    public static BlockRead block(
            Kv kv, View view, String path, long block, java.util.function.Predicate<String> local) {
        Located at = locate(kv, view, path, block, local);
        if (at == null) {
            return BlockRead.ABSENT;
        }
        if (at.redirect() != null) {
            return new BlockRead(false, null, null, 0, at.redirect());
        }
        byte[] stored = kv.get(PageKeys.version(at.timeline(), at.file(), block, at.seq()));
        byte[] image = BlockCodec.decode(stored, at.timeline(), at.file(), block, at.seq());
        if (at.zeroFrom() < BlockCodec.BLOCK_SIZE) {
            Arrays.fill(image, at.zeroFrom(), BlockCodec.BLOCK_SIZE, (byte) 0);
        }
        return new BlockRead(true, image, at.timeline(), at.seq(), null);
    }

    /**
     * Where a visible block version is stored, and from which byte a partial truncate zeroes it; or
     * (only {@code redirect} set) the rename source to read on another shard.
     */
    public record Located(TimelineId timeline, String file, long seq, int zeroFrom, Redirect redirect) {}

    /** Which stored version a view sees for a block, or null when the block does not exist there. */
    public static Located locate(Kv kv, View view, String path, long block) {
        return locate(kv, view, path, block, f -> true);
    }

    static Located locate(Kv kv, View view, String path, long block, java.util.function.Predicate<String> local) {
        int level = 0;
        long cut = view.levels().get(0).cut();
        String file = path;
        int zeroFrom = BlockCodec.BLOCK_SIZE;
        for (int hops = 0; hops <= RENAME_HOPS_MAX; ) {
            TimelineId tl = view.levels().get(level).timeline();
            long sv = newestVersion(kv, tl, file, block, cut);
            Barrier redirect = null;
            for (Barrier b : barriersDescending(kv, tl, file, cut, sv, EVENTS_SCANNED_MAX)) {
                EventRec e = b.rec();
                if (e.kind() == EventRec.Kind.TRUNCATE) {
                    if (e.size() <= block * BlockCodec.BLOCK_SIZE) {
                        return null;
                    }
                    if (e.size() < (block + 1) * BlockCodec.BLOCK_SIZE) {
                        zeroFrom = (int) Math.min(zeroFrom, e.size() - block * BlockCodec.BLOCK_SIZE);
                    }
                } else if (e.kind() == EventRec.Kind.RENAME_IN) {
                    redirect = b;
                    break;
                } else {
                    return null; // created anew, unlinked, renamed away, or a directory
                }
            }
            if (redirect != null) {
                file = redirect.rec().other();
                cut = redirect.seq() - 1;
                hops++;
                if (!local.test(file)) {
                    // The caller zeroes the block from zeroFrom on: a partial truncate after the rename.
                    return new Located(null, null, 0, zeroFrom, new Redirect(file, level, cut, zeroFrom));
                }
                continue;
            }
            if (sv >= 0) {
                return new Located(tl, file, sv, zeroFrom, null);
            }
            if (++level >= view.levels().size()) {
                return null;
            }
            cut = view.levels().get(level).cut();
        }
        throw new IllegalStateException(
                "more than " + RENAME_HOPS_MAX + " renames followed reading " + path + "#" + block);
    }

    /** The seq of the newest own version of the block at or before {@code cut}, or -1. */
    static long newestVersion(Kv kv, TimelineId tl, String file, long block, long cut) {
        Kv.Entry e = kv.floor(PageKeys.version(tl, file, block, 0), PageKeys.version(tl, file, block, cut));
        return e == null ? -1 : PageKeys.lastLong(e.key());
    }

    record Barrier(long seq, EventRec rec) {}

    /** Up to {@code limit} own barrier events of a path with {@code above < seq <= cut}, newest first. */
    static List<Barrier> barriersDescending(Kv kv, TimelineId tl, String file, long cut, long above, int limit) {
        List<Barrier> out = new ArrayList<>();
        byte[] low = PageKeys.event(PageKeys.EVENT, tl, file, Math.max(0, above + 1));
        long hi = cut;
        while (hi > above && out.size() < limit) {
            Kv.Entry e = kv.floor(low, PageKeys.event(PageKeys.EVENT, tl, file, hi));
            if (e == null) {
                break;
            }
            long seq = PageKeys.lastLong(e.key());
            out.add(new Barrier(seq, EventRec.decode(e.value())));
            hi = seq - 1;
        }
        if (limit == EVENTS_SCANNED_MAX && out.size() >= EVENTS_SCANNED_MAX) {
            throw new IllegalStateException("more than " + EVENTS_SCANNED_MAX + " events on " + file + " of " + tl);
        }
        return out;
    }

    public static FileStat stat(Kv kv, View view, String path) {
        int level = 0;
        long cut = view.levels().get(0).cut();
        String file = path;
        for (int hops = 0; hops <= RENAME_HOPS_MAX; ) {
            TimelineId tl = view.levels().get(level).timeline();
            List<Barrier> latest = barriersDescending(kv, tl, file, cut, -1, 1);
            Kv.Entry size =
                    kv.floor(PageKeys.event(PageKeys.SIZE, tl, file, 0), PageKeys.event(PageKeys.SIZE, tl, file, cut));
            long sizeSeq = size == null ? -1 : PageKeys.lastLong(size.key());
            long sizeVal = size == null ? 0 : ByteBuffer.wrap(size.value()).getLong();
            if (!latest.isEmpty()) {
                Barrier b = latest.getFirst();
                switch (b.rec().kind()) {
                    case UNLINK, RENAME_OUT, RMDIR -> {
                        return new FileStat(path, false, false, 0);
                    }
                    case MKDIR -> {
                        return new FileStat(path, true, true, 0);
                    }
                    case CREATE, TRUNCATE -> {
                        return new FileStat(path, true, false, sizeSeq >= b.seq() ? sizeVal : 0);
                    }
                    case RENAME_IN -> {
                        if (sizeSeq > b.seq()) {
                            return new FileStat(path, true, false, sizeVal);
                        }
                        file = b.rec().other();
                        cut = b.seq() - 1;
                        hops++;
                        continue;
                    }
                }
            }
            if (sizeSeq >= 0) {
                // Extended here, created in an ancestor: it exists; whether an ancestor made it a
                // directory cannot matter, since directories are never extended.
                return new FileStat(path, true, false, sizeVal);
            }
            if (++level >= view.levels().size()) {
                return new FileStat(path, false, false, 0);
            }
            cut = view.levels().get(level).cut();
        }
        throw new IllegalStateException("more than " + RENAME_HOPS_MAX + " renames followed for " + path);
    }

    /** Every path that exists in the view, with its size, in path order. */
    public static List<FileStat> list(Kv kv, View view, int maxPaths) {
        TreeSet<String> paths = new TreeSet<>();
        for (View.Level l : view.levels()) {
            collectPaths(kv, PageKeys.EVENT, l.timeline(), paths, maxPaths);
            collectPaths(kv, PageKeys.SIZE, l.timeline(), paths, maxPaths);
        }
        List<FileStat> out = new ArrayList<>();
        for (String p : paths) {
            FileStat s = stat(kv, view, p);
            if (s.exists()) {
                out.add(s);
            }
        }
        return out;
    }

    private static void collectPaths(Kv kv, byte kind, TimelineId tl, TreeSet<String> into, int maxPaths) {
        byte[] from = PageKeys.perTimeline(kind, tl);
        byte[] end = PageKeys.timelineEnd(kind, tl);
        while (true) {
            List<Kv.Entry> next = kv.scan(from, end, 1);
            if (next.isEmpty()) {
                return;
            }
            String p = PageKeys.path(next.getFirst().key());
            into.add(p);
            if (into.size() > maxPaths) {
                throw new IllegalStateException("view has more than " + maxPaths + " paths");
            }
            from = PageKeys.fileEnd(kind, tl, p);
        }
    }
}
