package io.ramify.common.ops;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a Dropwizard registry in the Prometheus text exposition format (version 0.0.4). Names
 * become {@code ramify_} plus the metric name with every character outside [a-zA-Z0-9_] replaced
 * by '_'. Timers are summaries in seconds; histograms are summaries in their own unit.
 */
public final class PrometheusText {
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

    private PrometheusText() {}

    public static String render(MetricRegistry registry) {
        return render(Map.of("", registry));
    }

    /**
     * Several registries in one exposition, each with its labels: {@code ""} for none, else e.g.
     * {@code project="app",branch="main"} (values escaped with {@link #label}). A metric present in
     * several registries is one family, with a series per registry.
     */
    public static String render(Map<String, MetricRegistry> labelled) {
        Map<String, Family> families = new TreeMap<>();
        for (Map.Entry<String, MetricRegistry> r : new TreeMap<>(labelled).entrySet()) {
            String labels = r.getKey();
            MetricRegistry registry = r.getValue();
            for (var e : registry.getGauges().entrySet()) {
                if (e.getValue().getValue() instanceof Number n) {
                    family(families, name(e.getKey()), "gauge").series(labels, "", n.doubleValue());
                }
            }
            for (Map.Entry<String, Counter> e : registry.getCounters().entrySet()) {
                family(families, name(e.getKey()) + "_total", "counter")
                        .series(labels, "", e.getValue().getCount());
            }
            for (Map.Entry<String, Meter> e : registry.getMeters().entrySet()) {
                family(families, name(e.getKey()) + "_total", "counter")
                        .series(labels, "", e.getValue().getCount());
            }
            for (Map.Entry<String, Histogram> e : registry.getHistograms().entrySet()) {
                summary(
                        family(families, name(e.getKey()), "summary"),
                        labels,
                        e.getValue().getSnapshot(),
                        e.getValue().getCount(),
                        1.0);
            }
            for (Map.Entry<String, Timer> e : registry.getTimers().entrySet()) {
                summary(
                        family(families, name(e.getKey()) + "_seconds", "summary"),
                        labels,
                        e.getValue().getSnapshot(),
                        e.getValue().getCount(),
                        1e-9);
            }
        }
        StringBuilder out = new StringBuilder(4096);
        families.values().forEach(f -> f.write(out));
        return out.toString();
    }

    /** {@code key="value"} with the value escaped as the text format requires. */
    public static String label(String key, String value) {
        return key + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static Family family(Map<String, Family> families, String name, String type) {
        Family f = families.computeIfAbsent(name, n -> new Family(n, type));
        if (!f.type.equals(type)) {
            throw new IllegalStateException("metric " + name + " is both a " + f.type + " and a " + type);
        }
        return f;
    }

    private static void summary(Family f, String labels, Snapshot s, long count, double scale) {
        for (double q : QUANTILES) {
            f.series(labels, "quantile=\"" + q + "\"", s.getValue(q) * scale);
        }
        f.line(f.name + "_count" + braces(labels, "") + " " + count);
        f.line(f.name + "_sum" + braces(labels, "") + " " + s.getMean() * count * scale);
    }

    private static String braces(String labels, String extra) {
        String all = labels.isEmpty() ? extra : extra.isEmpty() ? labels : labels + "," + extra;
        return all.isEmpty() ? "" : "{" + all + "}";
    }

    /** One metric family: its TYPE line once, then every series of every registry. */
    private static final class Family {
        final String name;
        final String type;
        final StringBuilder lines = new StringBuilder();

        Family(String name, String type) {
            this.name = name;
            this.type = type;
        }

        void series(String labels, String extra, double value) {
            line(name + braces(labels, extra) + " " + value);
        }

        void series(String labels, String extra, long value) {
            line(name + braces(labels, extra) + " " + value);
        }

        void line(String l) {
            lines.append(l).append('\n');
        }

        void write(StringBuilder out) {
            out.append("# TYPE ")
                    .append(name)
                    .append(' ')
                    .append(type)
                    .append('\n')
                    .append(lines);
        }
    }

    static String name(String metric) {
        return "ramify_" + metric.replaceAll("[^a-zA-Z0-9_]", "_");
    }
}
