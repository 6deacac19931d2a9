package io.ramify.bench.compute;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads some of the compute's gauges every {@value #PERIOD_MILLIS} ms during a run (ops not yet
 * durable, FUSE operations in progress), for their mean and maximum: a gauge read once after the
 * run says nothing about the run.
 */
final class GaugeSampler implements AutoCloseable {
    static final long PERIOD_MILLIS = 50;

    private final MetricRegistry registry;
    private final List<String> names;
    private final Map<String, double[]> stats = new LinkedHashMap<>(); // sum, max, samples
    private final Thread thread;
    private volatile boolean stop;

    GaugeSampler(MetricRegistry registry, List<String> names) {
        this.registry = registry;
        this.names = names;
        names.forEach(n -> stats.put(n, new double[3]));
        this.thread = Thread.ofPlatform().daemon().name("gauge-sampler").start(this::loop);
    }

    private void loop() {
        while (!stop) {
            synchronized (stats) {
                for (String n : names) {
                    Gauge<?> g = registry.getGauges().get(n);
                    if (g != null && g.getValue() instanceof Number v) {
                        double[] s = stats.get(n);
                        s[0] += v.doubleValue();
                        s[1] = Math.max(s[1], v.doubleValue());
                        s[2]++;
                    }
                }
            }
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Per gauge: mean and maximum over the samples taken (NaN when none). */
    Map<String, double[]> result() {
        Map<String, double[]> out = new LinkedHashMap<>();
        synchronized (stats) {
            stats.forEach((n, s) -> out.put(n, new double[] {s[2] == 0 ? Double.NaN : s[0] / s[2], s[1], s[2]}));
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join();
    }
}
