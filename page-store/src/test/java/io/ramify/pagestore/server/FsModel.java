package io.ramify.pagestore.server;

import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * The plain expectation for end-to-end tests: a data directory after some ops, applied one by one
 * in order, with none of the page store's keys or barriers.
 */
final class FsModel {
    static final int B = 8192;

    static final class Entry {
        boolean dir;
        long size;
        final TreeMap<Long, byte[]> blocks = new TreeMap<>();
        final TreeMap<Long, Long> blockSeq = new TreeMap<>();

        Entry copy() {
            Entry e = new Entry();
            e.dir = dir;
            e.size = size;
            blocks.forEach((k, v) -> e.blocks.put(k, v.clone()));
            e.blockSeq.putAll(blockSeq);
            return e;
        }
    }

    final TreeMap<String, Entry> files = new TreeMap<>();

    FsModel copy() {
        FsModel m = new FsModel();
        files.forEach((k, v) -> m.files.put(k, v.copy()));
        return m;
    }

    void apply(long seq, Op op) {
        switch (op.getKindCase()) {
            case BLOCK -> {
                Entry e = files.get(op.getBlock().getFile());
                e.blocks.put(op.getBlock().getBlock(), op.getBlock().getImage().toByteArray());
                e.blockSeq.put(op.getBlock().getBlock(), seq);
            }
            case FILE -> event(op.getFile());
            default -> {} // WAL: not the page store's business
        }
    }

    private void event(FileEvent f) {
        switch (f.getKind()) {
            case CREATE -> files.put(f.getPath(), new Entry());
            case MKDIR -> {
                Entry e = new Entry();
                e.dir = true;
                files.put(f.getPath(), e);
            }
            case UNLINK, RMDIR -> files.remove(f.getPath());
            case EXTEND -> files.get(f.getPath()).size = Math.max(files.get(f.getPath()).size, f.getSize());
            case TRUNCATE -> {
                Entry e = files.get(f.getPath());
                e.size = f.getSize();
                long keep = (f.getSize() + B - 1) / B;
                e.blocks.tailMap(keep, true).clear();
                e.blockSeq.tailMap(keep, true).clear();
                if (f.getSize() % B != 0 && e.blocks.containsKey(f.getSize() / B)) {
                    Arrays.fill(e.blocks.get(f.getSize() / B), (int) (f.getSize() % B), B, (byte) 0);
                }
            }
            case RENAME -> files.put(f.getTarget(), files.remove(f.getPath()));
            default -> throw new IllegalArgumentException("event " + f.getKind());
        }
    }
}
