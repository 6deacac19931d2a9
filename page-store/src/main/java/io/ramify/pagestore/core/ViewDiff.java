package io.ramify.pagestore.core;

import io.ramify.kv.Kv;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * Which files two views see differently, and in how many blocks: the storage half of
 * {@code ramify diff}. A block differs when it exists in one view only (the files' sizes differ)
 * or when its bytes differ. Two views that resolve a block to the same stored version agree without
 * reading it, so only blocks written on one side since the views' common history are read — the
 * cost is one {@link ViewReader#locate} per view and block, plus two image reads per changed block.
 *
 * <p>Works on the blocks one shard stores ({@code local}); every shard sees every file's size, so
 * the caller sums {@link FileDiff#changedBlocks} over shards and takes sizes from any. A block that
 * a rename makes come from another shard's path is compared by where it comes from: the same
 * redirect agrees, different ones count as changed (Postgres never renames relation files, the
 * files this is for).
 */
public final class ViewDiff {
    /** Blocks examined in one comparison, so a request cannot occupy a shard for hours. */
    public static final long BLOCKS_MAX = 50_000_000L;

    private static final byte[] ZEROS = new byte[BlockCodec.BLOCK_SIZE];

    private ViewDiff() {}

    /**
     * A file the views see differently. {@code changedBlocks} counts this shard's blocks only;
     * sizes are the files' sizes in bytes (0 when a file does not exist in that view).
     */
    public record FileDiff(String path, boolean existsA, boolean existsB, long sizeA, long sizeB, long changedBlocks) {}

    /**
     * The files accepted by {@code files} that exist in either view and differ there, in path order.
     * {@code local.test(path, block)} says whether this shard stores a block.
     */
    public static List<FileDiff> compare(
            Kv kv, View a, View b, Predicate<String> files, BiPredicate<String, Long> local, int maxPaths) {
        Map<String, ViewReader.FileStat> inA = regularFiles(kv, a, files, maxPaths);
        Map<String, ViewReader.FileStat> inB = regularFiles(kv, b, files, maxPaths);
        TreeSet<String> paths = new TreeSet<>(inA.keySet());
        paths.addAll(inB.keySet());
        List<FileDiff> out = new ArrayList<>();
        long examined = 0;
        for (String path : paths) {
            ViewReader.FileStat sa = inA.get(path);
            ViewReader.FileStat sb = inB.get(path);
            long sizeA = sa == null ? 0 : sa.size();
            long sizeB = sb == null ? 0 : sb.size();
            long blocksA = blocks(sizeA);
            long blocksB = blocks(sizeB);
            long changed = 0;
            for (long blk = 0; blk < Math.max(blocksA, blocksB); blk++) {
                if (!local.test(path, blk)) {
                    continue;
                }
                if (++examined > BLOCKS_MAX) {
                    throw new IllegalStateException("more than " + BLOCKS_MAX + " blocks to compare on this shard");
                }
                if (blk >= blocksA || blk >= blocksB || differs(kv, a, b, path, blk, local)) {
                    changed++;
                }
            }
            if (changed > 0 || sizeA != sizeB || (sa == null) != (sb == null)) {
                out.add(new FileDiff(path, sa != null, sb != null, sizeA, sizeB, changed));
            }
        }
        return out;
    }

    private static Map<String, ViewReader.FileStat> regularFiles(Kv kv, View v, Predicate<String> files, int maxPaths) {
        Map<String, ViewReader.FileStat> out = new TreeMap<>();
        for (ViewReader.FileStat s : ViewReader.list(kv, v, maxPaths)) {
            if (!s.directory() && files.test(s.path())) {
                out.put(s.path(), s);
            }
        }
        return out;
    }

    private static long blocks(long size) {
        return (size + BlockCodec.BLOCK_SIZE - 1) / BlockCodec.BLOCK_SIZE;
    }

    /** Whether a block that exists in both views differs in its bytes (a hole reads as zeros). */
    private static boolean differs(Kv kv, View a, View b, String path, long blk, BiPredicate<String, Long> local) {
        Predicate<String> here = f -> local.test(f, blk);
        ViewReader.Located la = ViewReader.locate(kv, a, path, blk, here);
        ViewReader.Located lb = ViewReader.locate(kv, b, path, blk, here);
        if (sameVersion(la, lb)) {
            return false;
        }
        if ((la != null && la.redirect() != null) || (lb != null && lb.redirect() != null)) {
            return !sameRedirect(a, la, b, lb);
        }
        return !Arrays.equals(image(kv, la, path, blk), image(kv, lb, path, blk));
    }

    private static boolean sameVersion(ViewReader.Located x, ViewReader.Located y) {
        if (x == null || y == null) {
            return x == y;
        }
        return x.redirect() == null
                && y.redirect() == null
                && x.timeline().equals(y.timeline())
                && x.file().equals(y.file())
                && x.seq() == y.seq()
                && x.zeroFrom() == y.zeroFrom();
    }

    /** Both blocks come from the same rename source, read at the same place in the same ancestry. */
    private static boolean sameRedirect(View a, ViewReader.Located la, View b, ViewReader.Located lb) {
        if (la == null || lb == null || la.redirect() == null || lb.redirect() == null) {
            return false;
        }
        ViewReader.Redirect ra = la.redirect();
        ViewReader.Redirect rb = lb.redirect();
        return ra.file().equals(rb.file())
                && ra.cut() == rb.cut()
                && ra.zeroFrom() == rb.zeroFrom()
                && ra.apply(a).equals(rb.apply(b));
    }

    private static byte[] image(Kv kv, ViewReader.Located at, String path, long blk) {
        if (at == null) {
            return ZEROS;
        }
        byte[] stored = Objects.requireNonNull(
                kv.get(PageKeys.version(at.timeline(), at.file(), blk, at.seq())),
                () -> "version of " + path + "#" + blk + " vanished under a snapshot");
        byte[] image = BlockCodec.decode(stored, at.timeline(), at.file(), blk, at.seq());
        if (at.zeroFrom() < BlockCodec.BLOCK_SIZE) {
            Arrays.fill(image, at.zeroFrom(), BlockCodec.BLOCK_SIZE, (byte) 0);
        }
        return image;
    }
}
