package io.ramify.kv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** An in-memory {@link Kv} for unit tests of the pure core. Not thread-safe. */
public final class MemKv implements Kv {
    private final TreeMap<byte[], byte[]> map = new TreeMap<>(Arrays::compareUnsigned);

    public void commit(Writes writes) {
        for (Writes.Write w : writes.log()) {
            if (w.end() != null) {
                map.subMap(w.key(), true, w.end(), false).clear();
            } else if (w.isDelete()) {
                map.remove(w.key());
            } else {
                map.put(w.key(), w.value());
            }
        }
    }

    @Override
    public byte[] get(byte[] key) {
        byte[] v = map.get(key);
        return v == null ? null : v.clone();
    }

    @Override
    public Entry floor(byte[] low, byte[] high) {
        Map.Entry<byte[], byte[]> e = map.floorEntry(high);
        if (e == null || Arrays.compareUnsigned(e.getKey(), low) < 0) {
            return null;
        }
        return new Entry(e.getKey(), e.getValue().clone());
    }

    @Override
    public List<Entry> scan(byte[] from, byte[] to, int limit) {
        List<Entry> out = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : map.subMap(from, true, to, false).entrySet()) {
            if (out.size() >= limit) {
                break;
            }
            out.add(new Entry(e.getKey(), e.getValue().clone()));
        }
        return out;
    }
}
