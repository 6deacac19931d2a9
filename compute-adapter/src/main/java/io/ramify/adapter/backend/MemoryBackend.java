package io.ramify.adapter.backend;

import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Everything in memory, applied at once: for tests of the FUSE layer's semantics with a real
 * Postgres on top, independent of the cluster. Keeps every op, so a test can check the op stream
 * and remount the same state as a restarted compute would see it.
 */
public final class MemoryBackend implements Backend {
    private final TreeMap<String, Long> files = new TreeMap<>(); // path -> size
    private final TreeMap<String, Boolean> dirs = new TreeMap<>();
    private final Map<String, TreeMap<Long, byte[]>> blocks = new HashMap<>();
    private final TreeMap<Long, byte[]> walPages = new TreeMap<>();
    private final List<Op> ops = new ArrayList<>();
    private final int segmentSize;
    private long walEnd;
    private long walStart;

    public MemoryBackend(int segmentSize) {
        this.segmentSize = segmentSize;
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    public synchronized void setWalStart(long lsn) {
        walStart = lsn;
    }

    @Override
    public synchronized List<Entry> listTree() {
        List<Entry> out = new ArrayList<>();
        dirs.keySet().forEach(d -> out.add(new Entry(d, true, 0)));
        files.forEach((p, s) -> out.add(new Entry(p, false, s)));
        return out;
    }

    @Override
    public synchronized byte[] readBlock(String path, long block, long minSeq) {
        TreeMap<Long, byte[]> b = blocks.get(path);
        byte[] img = b == null ? null : b.get(block);
        return img == null ? null : img.clone();
    }

    @Override
    public synchronized long submit(Op op) {
        ops.add(op);
        walEnd = Math.max(walEnd, op.getWalEnd());
        switch (op.getKindCase()) {
            case WAL -> writeWal(op.getWal().getLsn(), op.getWal().getData().toByteArray());
            case BLOCK ->
                blocks.computeIfAbsent(op.getBlock().getFile(), k -> new TreeMap<>())
                        .put(op.getBlock().getBlock(), op.getBlock().getImage().toByteArray());
            case FILE -> event(op.getFile());
            default -> throw new IllegalArgumentException(op.toString());
        }
        return ops.size();
    }

    /** In memory every call is applied whole under this object's lock. */
    @Override
    public synchronized long submitAtomically(List<Op> group) {
        long seq = 0;
        for (Op op : group) {
            seq = submit(op);
        }
        return seq;
    }

    private void event(FileEvent e) {
        String p = e.getPath();
        switch (e.getKind()) {
            case CREATE -> {
                files.put(p, 0L);
                blocks.remove(p);
            }
            case EXTEND -> files.put(p, Math.max(files.getOrDefault(p, 0L), e.getSize()));
            case TRUNCATE -> {
                files.put(p, e.getSize());
                TreeMap<Long, byte[]> b = blocks.get(p);
                if (b != null) {
                    b.tailMap((e.getSize() + 8191) / 8192, true).clear();
                    if (e.getSize() % 8192 != 0 && b.containsKey(e.getSize() / 8192)) {
                        java.util.Arrays.fill(b.get(e.getSize() / 8192), (int) (e.getSize() % 8192), 8192, (byte) 0);
                    }
                }
            }
            case UNLINK -> {
                files.remove(p);
                blocks.remove(p);
            }
            case RENAME -> {
                files.put(e.getTarget(), files.remove(p));
                TreeMap<Long, byte[]> b = blocks.remove(p);
                if (b == null) {
                    blocks.remove(e.getTarget());
                } else {
                    blocks.put(e.getTarget(), b);
                }
            }
            case MKDIR -> dirs.put(p, true);
            case RMDIR -> dirs.remove(p);
            default -> throw new IllegalArgumentException(e.toString());
        }
    }

    private void writeWal(long lsn, byte[] data) {
        for (int i = 0; i < data.length; ) {
            long page = (lsn + i) / 8192;
            int off = (int) ((lsn + i) % 8192);
            int n = Math.min(8192 - off, data.length - i);
            System.arraycopy(data, i, walPages.computeIfAbsent(page, k -> new byte[8192]), off, n);
            i += n;
        }
    }

    @Override
    public CompletableFuture<Long> durable(long seq) {
        return CompletableFuture.completedFuture(seq);
    }

    @Override
    public synchronized long lastSubmitted() {
        return ops.size();
    }

    @Override
    public synchronized byte[] readWal(long lsn, int len) {
        int n = (int) Math.max(0, Math.min(len, walEnd - lsn));
        byte[] out = new byte[n];
        for (int i = 0; i < n; ) {
            long page = (lsn + i) / 8192;
            int off = (int) ((lsn + i) % 8192);
            int m = Math.min(8192 - off, n - i);
            byte[] p = walPages.get(page);
            if (p != null) {
                System.arraycopy(p, off, out, i, m);
            }
            i += m;
        }
        return out;
    }

    @Override
    public int walSegmentSize() {
        return segmentSize;
    }

    @Override
    public synchronized long walEnd() {
        return walEnd;
    }

    @Override
    public synchronized long walStart() {
        return walStart;
    }
}
