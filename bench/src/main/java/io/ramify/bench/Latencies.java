package io.ramify.bench;

import java.util.Arrays;

/**
 * Recorded durations in nanoseconds, summarised by sorting (a few thousand samples per run, so no
 * histogram is needed). Adds may come from several threads: pipelined appends complete on Ratis's
 * threads.
 */
public final class Latencies {
    private static final int INITIAL_CAPACITY = 1024;

    private long[] nanos = new long[INITIAL_CAPACITY];
    private int count;

    public synchronized void add(long durationNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = durationNanos;
    }

    public synchronized int count() {
        return count;
    }

    public synchronized Summary summary() {
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        return new Summary(count, percentile(sorted, 50), percentile(sorted, 99), count == 0 ? 0 : sorted[count - 1]);
    }

    /** Nearest-rank percentile: the smallest sample with at least {@code p}% of samples at or below it. */
    private static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    /** Count and percentiles of one run, in nanoseconds. */
    public record Summary(int count, long p50, long p99, long max) {}
}
