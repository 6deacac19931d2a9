package io.ramify.adapter.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.ramify.adapter.backend.Backend;
import io.ramify.adapter.fs.FsError.Errno;
import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The data directory a compute sees, and the one place that turns its changes into ops
 * (docs/design.md §4). Metadata (the tree, sizes) is held in memory, loaded from the view at mount.
 * Block writes are merged into whole 8 KiB blocks and become block ops tagged with W, the WAL
 * written through the mount so far; WAL segment writes become WAL ops at their LSN; scratch paths
 * stay in memory. Methods are synchronized: one compute, modest concurrency, simple invariants —
 * except that a read fetches blocks and WAL without the lock (see {@link #read}).
 *
 * <p>Its figures are in {@link #metrics()}: the block cache's ({@code adapter.cache.*}), the ops
 * it made by kind ({@code adapter.ops.*}), how long loading the view took ({@code adapter.load}),
 * and the backend's; {@link Mount} adds them to the compute's registry.
 */
public final class DataDir {
    static final int BLOCK = 8192;
    /** How long fsync waits for the timeline to become durable before failing with EIO. */
    static final long DURABLE_WAIT_MAX_SECONDS = 60;
    /** Blocks fetched in one round trip for one FUSE read (the kernel reads ahead up to 128 KiB). */
    static final int READ_BATCH_MAX_BLOCKS = 32;
    /** Times a read fetches again because the path changed meanwhile, before it fetches under the lock. */
    static final int READ_ATTEMPTS_MAX = 4;

    private final Backend backend;
    private final TreeMap<String, Node> nodes = new TreeMap<>();
    private final BlockCache cache;
    private final int segmentSize;
    /** The seq of the last op that touched each path: a read from the backend must reflect it. */
    private final java.util.HashMap<String, Long> pathSeq = new java.util.HashMap<>();

    private long walEnd;
    private final WalTail walTail = new WalTail();
    private final MetricRegistry metrics = new MetricRegistry();
    private final Counter walOps = metrics.counter("adapter.ops.wal");
    private final Counter walBytes = metrics.counter("adapter.ops.wal_bytes");
    /** WAL bytes Postgres wrote again unchanged (the partial last page), not sent to the log. */
    private final Counter walResent = metrics.counter("adapter.ops.wal_bytes_unchanged");

    private final Counter blockOps = metrics.counter("adapter.ops.block");
    private final Counter fileOps = metrics.counter("adapter.ops.file");
    private final Counter retriedReads = metrics.counter("adapter.read.retried");

    public DataDir(Backend backend, long cacheBytesMax) throws IOException {
        long start = System.nanoTime();
        this.backend = backend;
        this.cache = new BlockCache(cacheBytesMax, metrics);
        this.segmentSize = backend.walSegmentSize();
        this.walEnd = backend.walEnd();
        long now = System.currentTimeMillis();
        nodes.put("", new Node(true, PathKind.REGULAR, 0, now));
        for (Backend.Entry e : backend.listTree()) {
            if (PathKind.of(e.path()) != PathKind.SCRATCH || e.directory()) {
                nodes.put(e.path(), new Node(e.directory(), PathKind.of(e.path()), e.size(), now));
            }
        }
        listWalSegments(now);
        backend.registerMetrics(metrics);
        metrics.timer("adapter.load").update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }

    /** Figures of this data directory and its backend (see the class comment). */
    public MetricRegistry metrics() {
        return metrics;
    }

    /**
     * pg_wal lists the segments from the redo point the image names, or from the oldest restart_lsn
     * of a replication slot when that is older ({@link SlotRetention}), through the end of its WAL.
     */
    private void listWalSegments(long now) throws IOException {
        if (!nodes.containsKey("pg_wal") || walEnd == 0) {
            return;
        }
        List<byte[]> slots = new ArrayList<>();
        for (String p : nodes.subMap("pg_replslot/", "pg_replslot0").keySet()) {
            if (p.matches("pg_replslot/[^/]+/state") && !p.endsWith(".tmp/state")) {
                slots.add(backend.readBlock(p, 0, 0));
            }
        }
        long first = Math.min(backend.walStart(), SlotRetention.oldestRestartLsn(slots)) / segmentSize;
        long last = Math.max(first, (walEnd - 1) / segmentSize);
        for (long s = first; s <= last; s++) {
            nodes.put(PathKind.segmentName(s, segmentSize), new Node(false, PathKind.WAL_SEGMENT, segmentSize, now));
        }
    }

    /** Attributes of a path, or null when it does not exist. */
    public synchronized Attr stat(String path) {
        Node n = nodes.get(path);
        return n == null ? null : new Attr(n.dir, n.size, n.mtimeMillis);
    }

    public record Attr(boolean directory, long size, long mtimeMillis) {}

    public synchronized List<String> list(String dir) throws FsError {
        Node n = existing(dir);
        if (!n.dir) {
            throw new FsError(Errno.ENOTDIR, dir + " is not a directory");
        }
        String prefix = dir.isEmpty() ? "" : dir + "/";
        List<String> out = new ArrayList<>();
        for (String p : nodes.tailMap(prefix, false).keySet()) {
            if (!p.startsWith(prefix)) {
                break;
            }
            if (p.indexOf('/', prefix.length()) < 0) {
                out.add(p.substring(prefix.length()));
            }
        }
        return out;
    }

    public synchronized void mkdir(String path) throws FsError {
        mustNotExist(path);
        mustBeDir(parent(path));
        PathKind k = PathKind.of(path);
        if (k == PathKind.REGULAR) {
            submit(Ops.file(FileEvent.Kind.MKDIR, path, walEnd));
        }
        nodes.put(path, new Node(true, k, 0, System.currentTimeMillis()));
    }

    public synchronized void rmdir(String path) throws FsError {
        Node n = existing(path);
        if (!n.dir) {
            throw new FsError(Errno.ENOTDIR, path + " is not a directory");
        }
        if (!list(path).isEmpty()) {
            throw new FsError(Errno.ENOTEMPTY, path + " is not empty");
        }
        if (n.kind == PathKind.REGULAR) {
            submit(Ops.file(FileEvent.Kind.RMDIR, path, walEnd));
        }
        nodes.remove(path);
    }

    public synchronized void create(String path) throws FsError {
        mustNotExist(path);
        mustBeDir(parent(path));
        PathKind k = PathKind.of(path);
        if (k == PathKind.REGULAR) {
            submit(Ops.file(FileEvent.Kind.CREATE, path, walEnd));
        }
        nodes.put(path, new Node(false, k, k == PathKind.WAL_SEGMENT ? segmentSize : 0, System.currentTimeMillis()));
    }

    public synchronized void unlink(String path) throws FsError {
        Node n = existing(path);
        if (n.dir) {
            throw new FsError(Errno.EISDIR, path + " is a directory");
        }
        if (n.kind == PathKind.REGULAR) {
            submit(Ops.file(FileEvent.Kind.UNLINK, path, walEnd));
            cache.dropFile(path);
        }
        nodes.remove(path); // unlinking a WAL segment only changes this mount's listing
    }

    public synchronized void rename(String from, String to) throws FsError {
        Node n = existing(from);
        mustBeDir(parent(to));
        Node target = nodes.get(to);
        if (n.dir) {
            renameDir(from, to);
            return;
        }
        if (target != null && target.dir) {
            throw new FsError(Errno.EISDIR, "cannot rename file " + from + " over directory " + to);
        }
        PathKind fk = n.kind;
        PathKind tk = PathKind.of(to);
        if (fk == PathKind.REGULAR && tk == PathKind.REGULAR) {
            submit(Ops.rename(from, to, walEnd));
            cache.renameFile(from, to);
            nodes.remove(from);
            nodes.put(to, n);
        } else if (fk == PathKind.WAL_TEMP && tk == PathKind.WAL_SEGMENT
                || fk == PathKind.WAL_SEGMENT && tk == PathKind.WAL_SEGMENT) {
            nodes.remove(from);
            nodes.put(to, new Node(false, PathKind.WAL_SEGMENT, segmentSize, System.currentTimeMillis()));
        } else if (fk == PathKind.SCRATCH && tk == PathKind.SCRATCH) {
            nodes.remove(from);
            nodes.put(to, n);
        } else {
            throw new FsError(Errno.EXDEV, "cannot rename " + fk + " " + from + " to " + tk + " " + to);
        }
    }

    /** A directory and everything under it moves in one atomic group of ops ({@link TreeOps}). */
    private void renameDir(String from, String to) throws FsError {
        if (!from.equals(to)) {
            apply(TreeOps.rename(nodes, from, to, walEnd));
        }
    }

    /**
     * Removes directories with everything under them, as one atomic group of ops (no crash or cut
     * shows part of it). For the adapter itself, before Postgres runs: a branch's first start
     * removes the replication slots it inherited ({@code compute.InheritedSlots}).
     */
    public synchronized void removeTrees(List<String> dirs) throws FsError {
        if (!dirs.isEmpty()) {
            apply(TreeOps.removal(nodes, dirs, walEnd));
        }
    }

    /** Submits a plan's ops as one atomic group, then changes the tree and the cache to match. */
    private void apply(TreeOps.Plan plan) throws FsError {
        try {
            long seq = backend.submitAtomically(plan.ops());
            fileOps.inc(plan.ops().size());
            for (Op op : plan.ops()) {
                pathSeq.put(op.getFile().getPath(), seq);
                if (op.getFile().getKind() == FileEvent.Kind.RENAME) {
                    pathSeq.put(op.getFile().getTarget(), seq);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new FsError(
                    Errno.EIO, "cannot log " + plan.ops().size() + " file ops as one group: " + e.getMessage(), e);
        }
        for (String p : plan.removed()) {
            nodes.remove(p);
            cache.dropFile(p);
        }
        for (TreeOps.Move m : plan.moves()) {
            nodes.remove(m.from());
            if (!m.node().dir) {
                cache.renameFile(m.from(), m.to());
            }
        }
        plan.moves().forEach(m -> nodes.put(m.to(), m.node()));
    }

    public synchronized void truncate(String path, long size) throws FsError {
        Node n = existing(path);
        if (n.dir) {
            throw new FsError(Errno.EISDIR, path + " is a directory");
        }
        switch (n.kind) {
            case REGULAR -> {
                submit(Ops.truncate(path, size, walEnd));
                cache.truncate(path, size);
                n.size = size;
            }
            case SCRATCH -> {
                n.scratch.tailMap((size + BLOCK - 1) / BLOCK, true).clear();
                n.size = size;
            }
            case WAL_TEMP -> n.size = size;
            case WAL_SEGMENT -> {} // a window: its size is the segment size
        }
        n.mtimeMillis = System.currentTimeMillis();
    }

    /**
     * Reads up to {@code len} bytes at {@code offset} into {@code dst}; returns the count. Blocks
     * that must come from the page store (and WAL from ratis-wal) are fetched without holding this
     * object's lock, so one slow fetch does not stall every other file-system call: the read notes
     * the path's last op, fetches, and copies under the lock only if no op touched the path
     * meanwhile; otherwise it starts again (bounded, then fetches under the lock as before).
     */
    public int read(String path, byte[] dst, int len, long offset) throws FsError {
        for (int attempt = 0; attempt < READ_ATTEMPTS_MAX; attempt++) {
            Pending p;
            synchronized (this) {
                Node n = existing(path);
                if (n.dir) {
                    throw new FsError(Errno.EISDIR, path + " is a directory");
                }
                int count = (int) Math.max(0, Math.min(len, n.size - offset));
                if (n.kind == PathKind.WAL_SEGMENT) {
                    p = new Pending(n, count, -1, -1, 0);
                } else {
                    long[] missing = n.kind == PathKind.REGULAR && count > 0
                            ? missingRange(path, offset / BLOCK, (offset + count - 1) / BLOCK)
                            : null;
                    if (missing == null) {
                        return copyOut(n, path, dst, count, offset, Map.of());
                    }
                    p = new Pending(n, count, missing[0], missing[1], pathSeq.getOrDefault(path, 0L));
                }
            }
            if (p.node().kind == PathKind.WAL_SEGMENT) {
                return readWal(path, dst, p.count(), offset);
            }
            Map<Long, byte[]> fetched = fetch(path, p.from(), p.to(), p.seenSeq());
            synchronized (this) {
                if (nodes.get(path) == p.node() && pathSeq.getOrDefault(path, 0L) == p.seenSeq()) {
                    int copied = copyOut(p.node(), path, dst, p.count(), offset, fetched);
                    fetched.forEach((b, img) -> {
                        if (img != null && !cache.contains(path, b)) {
                            cache.put(path, b, img);
                        }
                    });
                    return copied;
                }
            }
            retriedReads.inc(); // the path changed while its blocks were fetched: they may be stale
        }
        synchronized (this) { // the path keeps changing: read it under the lock, fetching in place
            Node n = existing(path);
            if (n.dir) {
                throw new FsError(Errno.EISDIR, path + " is a directory");
            }
            int count = (int) Math.max(0, Math.min(len, n.size - offset));
            return n.kind == PathKind.WAL_SEGMENT
                    ? readWal(path, dst, count, offset)
                    : copyOut(n, path, dst, count, offset, Map.of());
        }
    }

    /** A read that must fetch blocks {@code from..to} of the path, as it was at {@code seenSeq}. */
    private record Pending(Node node, int count, long from, long to, long seenSeq) {}

    /** The first and last uncached block of {@code first..last}, or null when every one is cached. */
    private long[] missingRange(String path, long first, long last) {
        long from = -1;
        long to = -1;
        for (long b = first; b <= last; b++) {
            if (!cache.contains(path, b)) {
                from = from < 0 ? b : from;
                to = b;
            }
        }
        return from < 0 ? null : new long[] {from, to};
    }

    /** Blocks {@code from..to} from the backend, in calls of at most {@link #READ_BATCH_MAX_BLOCKS}; null = absent. */
    private Map<Long, byte[]> fetch(String path, long from, long to, long minSeq) throws FsError {
        Map<Long, byte[]> out = new HashMap<>();
        try {
            if (from == to) {
                out.put(from, backend.readBlock(path, from, minSeq));
                return out;
            }
            for (long b = from; b <= to; b += READ_BATCH_MAX_BLOCKS) {
                int count = (int) Math.min(to - b + 1, READ_BATCH_MAX_BLOCKS);
                List<byte[]> got = backend.readBlocks(path, b, count, minSeq);
                for (int i = 0; i < count; i++) {
                    out.put(b + i, got.get(i));
                }
            }
            return out;
        } catch (IOException e) {
            throw new FsError(Errno.EIO, "reading " + path + " blocks " + from + ".." + to, e);
        }
    }

    /**
     * Copies the bytes of a read out of the cache, {@code fetched} (blocks just fetched for this
     * path, unchanged since) and, for a block in neither, a fetch under the lock.
     */
    private int copyOut(Node n, String path, byte[] dst, int count, long offset, Map<Long, byte[]> fetched)
            throws FsError {
        for (int done = 0; done < count; ) {
            long block = (offset + done) / BLOCK;
            int in = (int) ((offset + done) % BLOCK);
            int m = Math.min(BLOCK - in, count - done);
            byte[] img = switch (n.kind) {
                case SCRATCH -> n.scratch.get(block);
                case REGULAR -> {
                    if (fetched.containsKey(block) && !cache.contains(path, block)) {
                        cache.countMiss(); // fetched for this read
                        yield fetched.get(block);
                    }
                    yield currentBlock(path, block);
                }
                default -> null; // WAL temp files hold only zeros here
            };
            if (img == null) {
                java.util.Arrays.fill(dst, done, done + m, (byte) 0);
            } else {
                System.arraycopy(img, in, dst, done, m);
            }
            done += m;
        }
        return count;
    }

    private int readWal(String path, byte[] dst, int count, long offset) throws FsError {
        long lsn = PathKind.segmentNo(path, segmentSize) * segmentSize + offset;
        try {
            byte[] got = backend.readWal(lsn, count);
            System.arraycopy(got, 0, dst, 0, got.length);
            java.util.Arrays.fill(dst, got.length, count, (byte) 0); // nothing at or beyond the end of WAL
            return count;
        } catch (IOException e) {
            throw new FsError(Errno.EIO, "reading WAL at " + io.ramify.common.Lsn.of(lsn) + " for " + path, e);
        }
    }

    /** Writes {@code len} bytes of {@code src} at {@code offset}. */
    public synchronized void write(String path, byte[] src, int len, long offset) throws FsError {
        Node n = existing(path);
        if (n.dir) {
            throw new FsError(Errno.EISDIR, path + " is a directory");
        }
        long end = offset + len;
        n.mtimeMillis = System.currentTimeMillis();
        switch (n.kind) {
            case WAL_SEGMENT -> {
                long lsn = PathKind.segmentNo(path, segmentSize) * segmentSize + offset;
                walEnd = Math.max(walEnd, lsn + len);
                int skip = walTail.alreadySent(lsn, src, len); // Postgres rewrites the partial last page
                if (skip < len) {
                    submit(Ops.wal(lsn + skip, java.util.Arrays.copyOfRange(src, skip, len), walEnd));
                }
                walResent.inc(skip);
                return;
            }
            case WAL_TEMP -> {
                n.size = Math.max(n.size, end);
                return;
            }
            case SCRATCH -> {
                mergeInto(n.scratch, src, len, offset);
                n.size = Math.max(n.size, end);
                return;
            }
            case REGULAR -> {}
        }
        long oldSize = n.size;
        if (end > n.size) {
            submit(Ops.extend(path, end, walEnd)); // size first: a cut between shows zeros, never garbage
            n.size = end;
        }
        for (int done = 0; done < len; ) {
            long block = (offset + done) / BLOCK;
            int in = (int) ((offset + done) % BLOCK);
            int m = Math.min(BLOCK - in, len - done);
            // A block wholly at or past the old end of the file holds only zeros: no need to fetch it
            // (Postgres appends files such as pg_internal.init in pieces smaller than a block).
            byte[] img = m == BLOCK || block * BLOCK >= oldSize ? new byte[BLOCK] : copyOf(currentBlock(path, block));
            System.arraycopy(src, done, img, in, m);
            cache.put(path, block, img);
            submit(Ops.block(path, block, img, walEnd));
            done += m;
        }
    }

    private static void mergeInto(TreeMap<Long, byte[]> blocks, byte[] src, int len, long offset) {
        for (int done = 0; done < len; ) {
            long block = (offset + done) / BLOCK;
            int in = (int) ((offset + done) % BLOCK);
            int m = Math.min(BLOCK - in, len - done);
            System.arraycopy(src, done, blocks.computeIfAbsent(block, k -> new byte[BLOCK]), in, m);
            done += m;
        }
    }

    private static byte[] copyOf(byte[] b) {
        return b == null ? new byte[BLOCK] : b.clone();
    }

    /** The block as this compute sees it: its own recent write, else the view's; null if none. */
    private byte[] currentBlock(String path, long block) throws FsError {
        byte[] img = cache.get(path, block);
        if (img != null) {
            return img;
        }
        try {
            img = backend.readBlock(path, block, pathSeq.getOrDefault(path, 0L));
        } catch (IOException e) {
            throw new FsError(Errno.EIO, "reading block " + path + "#" + block, e);
        }
        if (img != null) {
            cache.put(path, block, img);
        }
        return img;
    }

    /** Waits until every op made so far is durable (fsync, fdatasync, syncfs, directory fsync). */
    public void sync() throws FsError {
        long seq;
        synchronized (this) {
            seq = backend.lastSubmitted();
        }
        try {
            backend.durable(seq).get(DURABLE_WAIT_MAX_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsError(Errno.EIO, "interrupted waiting for durability", e);
        } catch (Exception e) {
            throw new FsError(Errno.EIO, "ops up to seq " + seq + " did not become durable: " + e, e);
        }
    }

    private void submit(Op op) throws FsError {
        try {
            long seq = backend.submit(op);
            switch (op.getKindCase()) {
                case WAL -> {
                    walOps.inc();
                    walBytes.inc(op.getWal().getData().size());
                }
                case BLOCK -> {
                    blockOps.inc();
                    pathSeq.put(op.getBlock().getFile(), seq);
                }
                case FILE -> {
                    fileOps.inc();
                    pathSeq.put(op.getFile().getPath(), seq);
                    if (op.getFile().getKind() == FileEvent.Kind.RENAME) {
                        pathSeq.put(op.getFile().getTarget(), seq);
                    }
                }
                default -> {}
            }
        } catch (IOException | RuntimeException e) {
            throw new FsError(Errno.EIO, "cannot log " + op.getKindCase() + " op: " + e.getMessage(), e);
        }
    }

    private Node existing(String path) throws FsError {
        Node n = nodes.get(path);
        if (n == null) {
            throw new FsError(Errno.ENOENT, path + " does not exist");
        }
        return n;
    }

    private void mustNotExist(String path) throws FsError {
        if (nodes.containsKey(path)) {
            throw new FsError(Errno.EEXIST, path + " exists");
        }
    }

    private void mustBeDir(String path) throws FsError {
        Node n = nodes.get(path);
        if (n == null || !n.dir) {
            throw new FsError(n == null ? Errno.ENOENT : Errno.ENOTDIR, "parent " + path + " is not a directory");
        }
    }

    static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? "" : path.substring(0, slash);
    }
}
