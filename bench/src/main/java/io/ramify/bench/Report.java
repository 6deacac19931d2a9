package io.ramify.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The benchmark's output: markdown tables ready to paste into docs/benchmarks.md. */
final class Report {
    private static final double NANOS_PER_MILLI = 1e6;

    private Report() {}

    static List<String> render(
            MachineFacts facts,
            String command,
            Latencies.Summary overwrite,
            Latencies.Summary append,
            Optional<PgTestFsync.Figure> pg,
            List<AppendRunner.Result> results) {
        List<String> out = new ArrayList<>();
        out.add("Command: `" + command + "`");
        out.add("");
        out.addAll(facts.markdown());
        out.add("");
        out.add("Raw disk, one 8 KiB write + fdatasync, same filesystem as the cluster's data:");
        out.add("");
        out.add("| probe | samples | p50 ms | p99 ms | max ms |");
        out.add("|---|---:|---:|---:|---:|");
        out.add(diskRow("Java, overwrite in a preallocated file", overwrite));
        out.add(diskRow("Java, append (file grows each write)", append));
        out.add(pg.map(f -> String.format(
                        Locale.ROOT,
                        "| pg_test_fsync fdatasync (%.0f ops/s; mean, no percentiles) | — | %s | — | — |",
                        f.opsPerSecond(),
                        ms(f.microsPerOp() * 1000)))
                .orElse("| pg_test_fsync fdatasync | not run | — | — | — |"));
        out.add("");
        out.add("ratis-wal append, 3 nodes in one JVM on loopback, committed by a Raft majority:");
        out.add("");
        out.add(
                "| batch | sent | batches | MiB/s | batches/s | p50 ms | p99 ms | max ms | p50 ÷ fdatasync p50 (Java) | p50 ÷ pg_test_fsync mean |");
        out.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (AppendRunner.Result r : results) {
            Latencies.Summary l = r.latency();
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %.1f | %.0f | %s | %s | %s | %s | %s |",
                    r.shape().label,
                    r.mode(),
                    l.count(),
                    r.mibPerSecond(),
                    r.batchesPerSecond(),
                    ms(l.p50()),
                    ms(l.p99()),
                    ms(l.max()),
                    ratio(l.p50(), overwrite.p50()),
                    pg.map(f -> ratio(l.p50(), f.microsPerOp() * 1000)).orElse("—")));
        }
        return out;
    }

    private static String diskRow(String probe, Latencies.Summary s) {
        return String.format(
                Locale.ROOT, "| %s | %d | %s | %s | %s |", probe, s.count(), ms(s.p50()), ms(s.p99()), ms(s.max()));
    }

    private static String ms(double nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / NANOS_PER_MILLI);
    }

    private static String ratio(double nanos, double baselineNanos) {
        return baselineNanos <= 0 ? "—" : String.format(Locale.ROOT, "%.1f×", nanos / baselineNanos);
    }
}
