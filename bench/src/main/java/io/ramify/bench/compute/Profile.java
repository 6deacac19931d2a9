package io.ramify.bench.compute;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The compute's own figures around one run: counts are exact differences between two snapshots
 * of its metric registry; latencies come from the timers' reservoirs (Dropwizard's exponentially
 * decaying sample, weighted to the last minutes) at the end, so they describe the run more than
 * what came before it.
 */
final class Profile {
    private Profile() {}

    /** A registry's counts (timers, counters, histograms) at one moment. */
    record Counts(Map<String, Long> counts) {
        static Counts of(MetricRegistry r, String prefix) {
            Map<String, Long> m = new TreeMap<>();
            r.getTimers().forEach((n, t) -> m.put(prefix + n, t.getCount()));
            r.getCounters().forEach((n, c) -> m.put(prefix + n, c.getCount()));
            r.getHistograms().forEach((n, h) -> m.put(prefix + n, h.getCount()));
            return new Counts(m);
        }

        long delta(Counts before, String name) {
            return counts.getOrDefault(name, 0L) - before.counts.getOrDefault(name, 0L);
        }
    }

    /** One timer over a run: calls in the run, and its reservoir's statistics (nanoseconds). */
    record TimerRow(String name, long calls, double meanNanos, double p50Nanos, double p99Nanos, long maxNanos) {
        /** Estimated time spent: calls × mean. */
        double totalSeconds() {
            return calls * meanNanos / 1e9;
        }
    }

    static List<TimerRow> timers(MetricRegistry r, String prefix, Counts before, Counts after) {
        List<TimerRow> out = new ArrayList<>();
        for (Map.Entry<String, Timer> e : r.getTimers().entrySet()) {
            long calls = after.delta(before, prefix + e.getKey());
            if (calls <= 0) {
                continue;
            }
            Snapshot s = e.getValue().getSnapshot();
            out.add(new TimerRow(
                    prefix + e.getKey(), calls, s.getMean(), s.getMedian(), s.get99thPercentile(), s.getMax()));
        }
        out.sort(Comparator.comparingDouble(TimerRow::totalSeconds).reversed());
        return out;
    }

    /** Counters and histogram counts that changed over the run. */
    static Map<String, Long> counterDeltas(MetricRegistry r, String prefix, Counts before, Counts after) {
        Map<String, Long> out = new TreeMap<>();
        for (Map.Entry<String, Counter> e : r.getCounters().entrySet()) {
            out.put(prefix + e.getKey(), after.delta(before, prefix + e.getKey()));
        }
        for (Map.Entry<String, Histogram> e : r.getHistograms().entrySet()) {
            Snapshot s = e.getValue().getSnapshot();
            out.put(
                    prefix + e.getKey() + " (samples; mean " + String.format(Locale.ROOT, "%.0f", s.getMean()) + ")",
                    after.delta(before, prefix + e.getKey()));
        }
        return out;
    }

    static Object gauge(MetricRegistry r, String name) {
        Gauge<?> g = r.getGauges().get(name);
        return g == null ? null : g.getValue();
    }
}
