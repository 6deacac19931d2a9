package io.ramify.adapter.fs;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.MetricSet;
import com.codahale.metrics.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Count and latency of each FUSE operation ({@code adapter.fuse.<op>}; fsync's is the wait for
 * durability), and how many are running now ({@code adapter.fuse.in_progress}).
 */
public final class FsMetrics {
    static final String IN_PROGRESS = "adapter.fuse.in_progress";

    private final MetricRegistry registry;
    private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
    private final AtomicInteger inProgress = new AtomicInteger();

    public FsMetrics(MetricRegistry registry) {
        this.registry = registry;
        registerReplacing(registry, Map.<String, Metric>of(IN_PROGRESS, (Gauge<Integer>) inProgress::get));
    }

    void started() {
        inProgress.incrementAndGet();
    }

    void finished(String op, long nanos) {
        inProgress.decrementAndGet();
        timers.computeIfAbsent(op, o -> registry.timer("adapter.fuse." + o)).update(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Registers {@code metrics} in {@code into}, replacing what a previous mount of the same compute
     * registered under the same names (a full restart mounts a new {@link DataDir}).
     */
    static void registerReplacing(MetricRegistry into, MetricSet metrics) {
        registerReplacing(into, metrics.getMetrics());
    }

    static void registerReplacing(MetricRegistry into, Map<String, Metric> metrics) {
        metrics.forEach((name, m) -> {
            into.remove(name);
            into.register(name, m);
        });
    }
}
