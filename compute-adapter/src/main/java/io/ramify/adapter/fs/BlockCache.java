package io.ramify.adapter.fs;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recently written and read blocks, least recently used evicted beyond a byte limit. Dropping a
 * block is always safe: the backend's read sees every op submitted before it. Not thread-safe;
 * {@link DataDir} holds its lock around every call.
 */
final class BlockCache {
  private record Key(String path, long block) {}

  private final long bytesMax;
  private final LinkedHashMap<Key, byte[]> map = new LinkedHashMap<>(1024, 0.75f, true);

  BlockCache(long bytesMax) {
    this.bytesMax = bytesMax;
  }

  byte[] get(String path, long block) {
    return map.get(new Key(path, block));
  }

  void put(String path, long block, byte[] image) {
    map.put(new Key(path, block), image);
    for (Iterator<Map.Entry<Key, byte[]>> it = map.entrySet().iterator();
        (long) map.size() * DataDir.BLOCK > bytesMax && it.hasNext(); ) {
      it.next();
      it.remove();
    }
  }

  void dropFile(String path) {
    map.keySet().removeIf(k -> k.path().equals(path));
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
  }

  void truncate(String path, long size) {
    long keep = (size + DataDir.BLOCK - 1) / DataDir.BLOCK;
    map.keySet().removeIf(k -> k.path().equals(path) && k.block() >= keep);
    byte[] last = size % DataDir.BLOCK == 0 ? null : map.get(new Key(path, size / DataDir.BLOCK));
    if (last != null) {
      java.util.Arrays.fill(last, (int) (size % DataDir.BLOCK), DataDir.BLOCK, (byte) 0);
    }
  }
}
