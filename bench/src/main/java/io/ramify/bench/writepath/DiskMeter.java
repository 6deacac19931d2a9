package io.ramify.bench.writepath;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes each storage node's processes sent toward the disk ({@code write_bytes} of {@code
 * /proc/<pid>/io}: what they wrote or dirtied in the page cache of a block device; a FUSE mount
 * counts nothing). A process that ends between two samples takes its count with it, so the figure
 * is a lower bound for a tree whose children come and go (Postgres backends live through a run).
 */
final class DiskMeter {
  private DiskMeter() {}

  /** Per node, per pid, the bytes written so far; a pid already gone is left out. */
  static Map<String, Map<Long, Long>> sample(Map<String, List<Long>> nodes) {
    Map<String, Map<Long, Long>> out = new LinkedHashMap<>();
    nodes.forEach((node, pids) -> {
      Map<Long, Long> m = new LinkedHashMap<>();
      for (long pid : pids) {
        long b = writeBytes(pid);
        if (b >= 0) {
          m.put(pid, b);
        }
      }
      out.put(node, m);
    });
    return out;
  }

  /** Per node, the bytes its processes alive at {@code b} wrote since {@code a} (all, for new ones). */
  static Map<String, Long> between(Map<String, Map<Long, Long>> a, Map<String, Map<Long, Long>> b) {
    Map<String, Long> out = new LinkedHashMap<>();
    b.forEach((node, pids) -> {
      Map<Long, Long> before = a.getOrDefault(node, Map.of());
      long sum = 0;
      for (Map.Entry<Long, Long> e : pids.entrySet()) {
        sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
      }
      out.put(node, sum);
    });
    return out;
  }

  private static long writeBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
        if (line.startsWith("write_bytes:")) {
          return Long.parseLong(line.substring("write_bytes:".length()).trim());
        }
      }
      return -1;
    } catch (IOException | NumberFormatException e) {
      return -1; // gone, or not ours to read
    }
  }
}
