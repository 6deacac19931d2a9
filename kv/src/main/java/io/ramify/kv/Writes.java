package io.ramify.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The writes of one applied log entry, kept in order and readable before they are committed
 * (read-your-writes over a base {@link Kv}). The shell commits them as one atomic RocksDB batch, or
 * drops them when the entry is rejected, so a rejected request changes nothing.
 */
public final class Writes implements Kv {
    private static final byte[] TOMBSTONE = new byte[0];

    /** One write in commit order. {@code end} is set only for range deletes. */
    public record Write(byte[] key, byte[] value, byte[] end) {
        public boolean isDelete() {
            return value == null;
        }
    }

    private final Kv base;
    private final TreeMap<byte[], byte[]> pending = new TreeMap<>(Arrays::compareUnsigned);
    private final List<Write> log = new ArrayList<>();

    public Writes(Kv base) {
        this.base = base;
    }

    public void put(byte[] key, byte[] value) {
        pending.put(key, value);
        log.add(new Write(key, value, null));
    }

    public void delete(byte[] key) {
        pending.put(key, TOMBSTONE);
        log.add(new Write(key, null, null));
    }

    /** Deletes {@code [from, to)}. Later reads of that range in this batch are not supported. */
    public void deleteRange(byte[] from, byte[] to) {
        pending.subMap(from, true, to, false).clear();
        log.add(new Write(from, null, to));
    }

    public List<Write> log() {
        return log;
    }

    public boolean isEmpty() {
        return log.isEmpty();
    }

    @Override
    public byte[] get(byte[] key) {
        byte[] v = pending.get(key);
        if (v != null) {
            return v == TOMBSTONE ? null : v.clone();
        }
        return base.get(key);
    }

    @Override
    public Entry floor(byte[] low, byte[] high) {
        // Writes only appends keys that floor() callers search for after they commit; the apply path
        // reads floors from the base, so merging is not needed here.
        return base.floor(low, high);
    }

    @Override
    public List<Entry> scan(byte[] from, byte[] to, int limit) {
        return base.scan(from, to, limit);
    }
}
