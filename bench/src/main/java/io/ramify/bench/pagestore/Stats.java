package io.ramify.bench.pagestore;

import java.util.Arrays;

/** Durations in nanoseconds from any number of threads, summarised by sorting. */
final class Stats {
  private long[] samples = new long[4096];
  private int size;

  synchronized void add(long nanos) {
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  synchronized Summary summary() {
    long[] s = Arrays.copyOf(samples, size);
    Arrays.sort(s);
    return new Summary(size, rank(s, 0.50), rank(s, 0.99), size == 0 ? 0 : s[size - 1]);
  }

  /** Nearest rank: the smallest sample with at least fraction {@code q} of all samples at or below it. */
  private static long rank(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int r = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(1, r) - 1];
  }

  record Summary(int count, long p50, long p99, long max) {}
}
