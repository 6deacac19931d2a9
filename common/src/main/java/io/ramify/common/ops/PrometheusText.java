package io.ramify.common.ops;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.Timer;
import java.util.Map;

/**
 * Writes a Dropwizard registry in the Prometheus text exposition format (version 0.0.4). Names
 * become {@code ramify_} plus the metric name with every character outside [a-zA-Z0-9_] replaced
 * by '_'. Timers are summaries in seconds; histograms are summaries in their own unit.
 */
public final class PrometheusText {
  private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999};

  private PrometheusText() {}

  public static String render(MetricRegistry registry) {
    StringBuilder out = new StringBuilder(4096);
    for (var e : registry.getGauges().entrySet()) {
      Object v = e.getValue().getValue();
      if (v instanceof Number n) {
        String name = name(e.getKey());
        out.append("# TYPE ").append(name).append(" gauge\n").append(name).append(' ').append(n.doubleValue())
            .append('\n');
      }
    }
    for (Map.Entry<String, Counter> e : registry.getCounters().entrySet()) {
      String name = name(e.getKey()) + "_total";
      out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ')
          .append(e.getValue().getCount()).append('\n');
    }
    for (Map.Entry<String, Meter> e : registry.getMeters().entrySet()) {
      String name = name(e.getKey()) + "_total";
      out.append("# TYPE ").append(name).append(" counter\n").append(name).append(' ')
          .append(e.getValue().getCount()).append('\n');
    }
    for (Map.Entry<String, Histogram> e : registry.getHistograms().entrySet()) {
      summary(out, name(e.getKey()), e.getValue().getSnapshot(), e.getValue().getCount(), 1.0);
    }
    for (Map.Entry<String, Timer> e : registry.getTimers().entrySet()) {
      summary(out, name(e.getKey()) + "_seconds", e.getValue().getSnapshot(), e.getValue().getCount(), 1e-9);
    }
    return out.toString();
  }

  private static void summary(StringBuilder out, String name, Snapshot s, long count, double scale) {
    out.append("# TYPE ").append(name).append(" summary\n");
    for (double q : QUANTILES) {
      out.append(name).append("{quantile=\"").append(q).append("\"} ").append(s.getValue(q) * scale).append('\n');
    }
    out.append(name).append("_count ").append(count).append('\n');
    out.append(name).append("_sum ").append(s.getMean() * count * scale).append('\n');
  }

  static String name(String metric) {
    return "ramify_" + metric.replaceAll("[^a-zA-Z0-9_]", "_");
  }
}
