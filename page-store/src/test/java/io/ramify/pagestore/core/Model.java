package io.ramify.pagestore.core;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * The plain model the page store is checked against: a timeline's state at a cut is its parent's
 * state at the fork cut with its own ops up to the cut applied in order, nothing clever.
 */
final class Model {
    static final int B = BlockCodec.BLOCK_SIZE;

    static final class Entry {
        boolean dir;
        long size;
        final TreeMap<Long, byte[]> blocks = new TreeMap<>();

        Entry copy() {
            Entry e = new Entry();
            e.dir = dir;
            e.size = size;
            blocks.forEach((k, v) -> e.blocks.put(k, v.clone()));
            return e;
        }
    }

    /** path -> entry; absent paths do not exist. */
    final TreeMap<String, Entry> files = new TreeMap<>();

    Model copy() {
        Model m = new Model();
        files.forEach((k, v) -> m.files.put(k, v.copy()));
        return m;
    }

    void create(String p) {
        files.put(p, new Entry());
    }

    void mkdir(String p) {
        Entry e = new Entry();
        e.dir = true;
        files.put(p, e);
    }

    void remove(String p) {
        files.remove(p);
    }

    void write(String p, long block, byte[] image) {
        Entry e = files.get(p);
        e.blocks.put(block, image.clone());
    }

    /** A write made the file longer: the compute says so with its own op, before the block. */
    void extend(String p, long size) {
        Entry e = files.get(p);
        e.size = Math.max(e.size, size);
    }

    void truncate(String p, long size) {
        Entry e = files.get(p);
        e.size = size;
        long keep = (size + B - 1) / B;
        e.blocks.tailMap(keep, true).clear();
        if (size % B != 0 && e.blocks.containsKey(size / B)) {
            Arrays.fill(e.blocks.get(size / B), (int) (size % B), B, (byte) 0);
        }
    }

    void rename(String from, String to) {
        files.put(to, files.remove(from));
    }
}
