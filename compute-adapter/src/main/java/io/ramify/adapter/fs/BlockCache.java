package io.ramify.adapter.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.RatioGauge;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recently written and read blocks, least recently used evicted beyond a byte limit. Dropping a
 * block is always safe: the backend's read sees every op submitted before it. Not thread-safe;
 * {@link DataDir} holds its lock around every call. Its figures ({@code adapter.cache.hits},
 * {@code .misses}, {@code .hit_ratio}, {@code .bytes}) may be read from any thread: a lookup that
 * misses here goes to the page store.
 */
final class BlockCache {
    private record Key(String path, long block) {}

    private final long bytesMax;
    private final LinkedHashMap<Key, byte[]> map = new LinkedHashMap<>(1024, 0.75f, true);
    private final Counter hits = new Counter();
    private final Counter misses = new Counter();
    /** The map's size after the last change, for readers without the lock. */
    private volatile int entries;

    BlockCache(long bytesMax, MetricRegistry metrics) {
        this.bytesMax = bytesMax;
        metrics.register("adapter.cache.hits", hits);
        metrics.register("adapter.cache.misses", misses);
        metrics.register("adapter.cache.hit_ratio", new RatioGauge() {
            @Override
            protected Ratio getRatio() {
                return Ratio.of(hits.getCount(), hits.getCount() + misses.getCount());
            }
        });
        metrics.register("adapter.cache.bytes", (Gauge<Long>) () -> (long) entries * DataDir.BLOCK);
    }

    /** Whether the block is cached; counts neither a hit nor a miss. */
    boolean contains(String path, long block) {
        return map.containsKey(new Key(path, block));
    }

    /** Counts a block a read had to fetch without looking it up here. */
    void countMiss() {
        misses.inc();
    }

    byte[] get(String path, long block) {
        byte[] img = map.get(new Key(path, block));
        (img == null ? misses : hits).inc();
        return img;
    }

    void put(String path, long block, byte[] image) {
        map.put(new Key(path, block), image);
        for (Iterator<Map.Entry<Key, byte[]>> it = map.entrySet().iterator();
                (long) map.size() * DataDir.BLOCK > bytesMax && it.hasNext(); ) {
            it.next();
            it.remove();
        }
        entries = map.size();
    }

    void dropFile(String path) {
        map.keySet().removeIf(k -> k.path().equals(path));
        entries = map.size();
    }

    void renameFile(String from, String to) {
        dropFile(to);
        List<Map.Entry<Key, byte[]>> moved = new ArrayList<>();
        map.entrySet().removeIf(e -> {
            if (e.getKey().path().equals(from)) {
                moved.add(e);
                return true;
            }
            return false;
        });
        moved.forEach(e -> map.put(new Key(to, e.getKey().block()), e.getValue()));
        entries = map.size();
    }

    void truncate(String path, long size) {
        long keep = (size + DataDir.BLOCK - 1) / DataDir.BLOCK;
        map.keySet().removeIf(k -> k.path().equals(path) && k.block() >= keep);
        entries = map.size();
        byte[] last = size % DataDir.BLOCK == 0 ? null : map.get(new Key(path, size / DataDir.BLOCK));
        if (last != null) {
            java.util.Arrays.fill(last, (int) (size % DataDir.BLOCK), DataDir.BLOCK, (byte) 0);
        }
    }
}
