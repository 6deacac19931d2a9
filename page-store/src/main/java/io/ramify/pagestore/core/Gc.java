package io.ramify.pagestore.core;

import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.kv.Writes;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Garbage collection of block versions under docs/design.md rule 7: a version may be deleted only when
 * no retained view can see it. A version of a block at seq s stays visible to the cuts in
 * [s, next), where next is the seq of the block's next own version or of the next own barrier
 * that hides it (create, unlink, rename, a truncate below it). It is deleted when no retained cut
 * of its timeline falls in that range. Children see their parent at their fork cut, so those are
 * retained cuts of the parent; so is the cut just before each rename of a path, from which the
 * rename's target reads. Events are never collected (they are small). Work is bounded per call;
 * callers resume from the returned key.
 */
public final class Gc {
    private Gc() {}

    /**
     * The cuts of one timeline that must stay readable: its head, every cut from
     * {@code windowFromSeq} (the history window) to the head, and {@code extraCuts} (the fork cuts
     * of its children).
     */
    public record Retention(long head, long windowFromSeq, NavigableSet<Long> extraCuts) {
        boolean anyIn(long from, long toExclusive) {
            if (from <= head && head < toExclusive) {
                return true;
            }
            if (Math.max(from, windowFromSeq) < Math.min(toExclusive, head + 1)) {
                return true;
            }
            Long c = extraCuts.ceiling(from);
            return c != null && c < toExclusive;
        }
    }

    /** What one call did; {@code resumeFrom} is null when the timeline was scanned to its end. */
    public record Result(long versionsScanned, long versionsDeleted, long bytesFreed, byte[] resumeFrom) {}

    public static Result collect(Kv kv, Writes w, TimelineId tl, Retention r, byte[] from, int maxVersions) {
        byte[] start = from != null ? from : PageKeys.perTimeline(PageKeys.VERSION, tl);
        byte[] end = PageKeys.timelineEnd(PageKeys.VERSION, tl);
        List<Kv.Entry> versions = kv.scan(start, end, maxVersions + 1);
        boolean more = versions.size() > maxVersions;
        if (more) {
            // Stop at a block boundary so a block's versions are judged together.
            byte[] lastKey = versions.get(maxVersions).key();
            versions = trimToWholeBlocks(versions.subList(0, maxVersions), lastKey);
            if (versions.isEmpty()) {
                throw new IllegalStateException("one block of " + tl + " has more than " + maxVersions + " versions");
            }
        }
        long deleted = 0;
        long freed = 0;
        String eventsFor = null;
        List<ViewReader.Barrier> barriers = List.of();
        NavigableSet<Long> renameCuts = new TreeSet<>();
        for (int i = 0; i < versions.size(); i++) {
            byte[] k = versions.get(i).key();
            String path = PageKeys.path(k);
            long block = PageKeys.versionBlock(k);
            long s = PageKeys.lastLong(k);
            if (!path.equals(eventsFor)) {
                eventsFor = path;
                barriers = ViewReader.barriersDescending(
                                kv, tl, path, Long.MAX_VALUE - 1, -1, ViewReader.EVENTS_SCANNED_MAX)
                        .reversed();
                renameCuts = new TreeSet<>();
                for (ViewReader.Barrier b : barriers) {
                    if (b.rec().kind() == EventRec.Kind.RENAME_OUT) {
                        renameCuts.add(b.seq() - 1);
                    }
                }
            }
            long next = Long.MAX_VALUE;
            if (i + 1 < versions.size() && sameBlock(k, versions.get(i + 1).key())) {
                next = PageKeys.lastLong(versions.get(i + 1).key());
            }
            next = Math.min(next, nextHidingBarrier(barriers, s, block));
            if (s > r.head()) {
                continue; // ingested after the retention was computed: judged on a later run
            }
            Long rc = renameCuts.ceiling(s);
            boolean neededByRename = rc != null && rc < next;
            if (!r.anyIn(s, next) && !neededByRename) {
                w.delete(k);
                deleted++;
                freed += versions.get(i).value().length;
            }
        }
        if (deleted > 0) {
            Ingest.addUsage(w, tl, -freed, -deleted);
        }
        byte[] resume = more ? nextKey(versions.getLast().key()) : null;
        return new Result(versions.size(), deleted, freed, resume);
    }

    private static long nextHidingBarrier(List<ViewReader.Barrier> ascending, long after, long block) {
        for (ViewReader.Barrier b : ascending) {
            if (b.seq() <= after) {
                continue;
            }
            EventRec e = b.rec();
            if (e.kind() != EventRec.Kind.TRUNCATE || e.size() <= block * BlockCodec.BLOCK_SIZE) {
                return b.seq();
            }
        }
        return Long.MAX_VALUE;
    }

    private static boolean sameBlock(byte[] a, byte[] b) {
        return a.length == b.length && java.util.Arrays.equals(a, 0, a.length - 8, b, 0, b.length - 8);
    }

    private static List<Kv.Entry> trimToWholeBlocks(List<Kv.Entry> batch, byte[] firstExcluded) {
        List<Kv.Entry> out = new ArrayList<>(batch);
        while (!out.isEmpty() && sameBlock(out.getLast().key(), firstExcluded)) {
            out.removeLast();
        }
        return out;
    }

    private static byte[] nextKey(byte[] k) {
        byte[] n = java.util.Arrays.copyOf(k, k.length + 1);
        return n;
    }
}
