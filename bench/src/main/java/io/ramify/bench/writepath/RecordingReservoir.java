package io.ramify.bench.writepath;

import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.UniformSnapshot;
import java.util.Arrays;

/**
 * A Dropwizard reservoir that keeps every value until {@link #drain()} takes them: exact
 * percentiles for one phase of a benchmark, where the default exponentially decaying reservoir
 * would mix in earlier phases and sample. Holds at most {@link #VALUES_MAX} values between drains;
 * beyond that it counts what it dropped, and the bench reports the count.
 */
final class RecordingReservoir implements Reservoir {
    /** 32 MiB of values: a minute of several thousand fsyncs per second fits many times over. */
    static final int VALUES_MAX = 4 << 20;

    private static final int INITIAL_CAPACITY = 4096;

    private long[] values = new long[INITIAL_CAPACITY];
    private int count;
    private long dropped;

    /** The values recorded since the last drain, and how many were dropped for want of room. */
    record Drained(long[] values, long dropped) {}

    @Override
    public synchronized int size() {
        return count;
    }

    @Override
    public synchronized void update(long value) {
        if (count == VALUES_MAX) {
            dropped++;
            return;
        }
        if (count == values.length) {
            values = Arrays.copyOf(values, Math.min(VALUES_MAX, count * 2));
        }
        values[count++] = value;
    }

    @Override
    public synchronized Snapshot getSnapshot() {
        return new UniformSnapshot(Arrays.copyOf(values, count));
    }

    synchronized Drained drain() {
        Drained d = new Drained(Arrays.copyOf(values, count), dropped);
        values = new long[INITIAL_CAPACITY];
        count = 0;
        dropped = 0;
        return d;
    }
}
