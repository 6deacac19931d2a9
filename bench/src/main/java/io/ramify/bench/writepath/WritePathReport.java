package io.ramify.bench.writepath;

import io.ramify.bench.BenchServers;
import io.ramify.bench.compute.Storage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * The markdown report: how the run was set up, one table per workload with a row per
 * configuration and repetition, and issue 12's targets with the figures (means over the
 * repetitions) beside them.
 */
final class WritePathReport {
    private WritePathReport() {}

    static List<String> render(WritePathBench.Context ctx, WritePathBench b, List<Measurement> ms) {
        List<String> out = new ArrayList<>();
        out.add("Command: `" + ctx.command() + "`");
        out.add("");
        out.addAll(ctx.facts().markdown());
        out.add("- Postgres: " + ctx.pgbenchVersion() + " and the server of the same package, in every configuration");
        out.add("- configurations: " + String.join("; ", ctx.titles()));
        out.add("- Ramify: " + Storage.NODES + " ratis-wal nodes (a JVM each, -Xmx" + Storage.NODE_HEAP_MIB
                + "m) hosting " + Storage.GROUPS + " Raft groups (the compute's timeline in group " + ctx.ramifyGroup()
                + "), " + Storage.SHARDS + " page-store shards (a JVM each), the compute-adapter and its "
                + "Postgres in a JVM of their own (-Xmx" + ComputeProcess.HEAP_MIB
                + "m); all on loopback on this machine"
                + "; JVM options of every server: `" + String.join(" ", BenchServers.serverJavaOptions()) + "`");
        out.add("- standbys: made with pg_basebackup from their primary, streaming over a Unix socket, "
                + "`synchronous_standby_names = '" + StandbysSetup.SYNC_NAMES + "'`, `synchronous_commit = on`");
        out.add("- each run after a " + b.warmupSeconds + " s warm-up of the same workload"
                + (b.warmupSeconds > 0 ? ", the first pgbench -i after a pgbench -i of its own" : "") + "; "
                + b.repetitions
                + " repetitions, the order of the configurations reversed on every other one");
        out.add("- fdatasync+fsync counts: "
                + ctx.syncsUnavailable()
                        .map(r -> "n/a (" + r + ")")
                        .orElse("perf stat on the syscall tracepoints, per node"));
        out.add("");
        StringBuilder s = new StringBuilder("Settings, read back (`SHOW`) and required to be equal on every server: ");
        for (int i = 0; i < ctx.settings().size(); i++) {
            String[] kv = ctx.settings().get(i);
            s.append(i == 0 ? "" : ", ")
                    .append('`')
                    .append(kv[0])
                    .append('=')
                    .append(kv[1])
                    .append('`');
        }
        out.add(s.toString());
        out.add("");
        for (Workload w : b.workloads()) {
            List<Measurement> rows =
                    ms.stream().filter(m -> m.workload().equals(w)).toList();
            if (w.kind() == Workload.Kind.LOAD) {
                load(out, w, b, rows);
            } else {
                runs(out, w, b, rows);
            }
        }
        targets(out, b, ms);
        out.add("Every run ended with no failed transaction; pgbench's balance invariant held and the history held "
                + "exactly one row per committed read-write transaction after every run, on the standbys too.");
        return out;
    }

    private static void load(List<String> out, Workload w, WritePathBench b, List<Measurement> rows) {
        out.add("**" + w.title(b.scale, b.seconds) + "** — totals of the step:");
        out.add("");
        out.add(
                "| configuration | rep | wall s | ÷ vanilla | first load on fresh servers s | CPU s | CPU s by process | Raft entries (all groups) "
                        + "| MiB appended (all groups) | fdatasync+fsync per node | MiB written to the disk (machine) "
                        + "| FUSE fsyncs; wait p50 / p99 ms | machine busy (rest) cores |");
        out.add("|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|");
        for (Measurement m : rows) {
            OptionalDouble v = mean(rows, VanillaSetup.KEY, x -> x.load().wallSeconds());
            Measurement.RamifyFigures r = m.ramify();
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.1f | %s | %s | %.1f | %s | %s | %s | %s | %s | %s | %.2f (%.2f) |",
                    m.title(),
                    m.rep(),
                    m.load().wallSeconds(),
                    v.isPresent() ? f2(m.load().wallSeconds() / v.getAsDouble()) : "—",
                    m.coldLoadSeconds() == null ? "—" : String.format(Locale.ROOT, "%.1f", m.coldLoadSeconds()),
                    m.cpuTotalSeconds(),
                    byProcess(m, 1, "%.1f"),
                    r == null ? "—" : r.timelineEntries() + " (" + r.allEntries() + ")",
                    r == null
                            ? "—"
                            : String.format(
                                    Locale.ROOT,
                                    "%.1f (%.1f)",
                                    r.timelineBytes() / 1048576.0,
                                    r.allBytes() / 1048576.0),
                    syncs(m, 1, "%.0f"),
                    disk(m, 1.0 / 1048576, "%.1f"),
                    fuse(m, 1, "%.0f"),
                    m.machineBusyCores(),
                    m.otherCores()));
        }
        out.add("");
    }

    private static void runs(List<String> out, Workload w, WritePathBench b, List<Measurement> rows) {
        out.add("**" + w.title(b.scale, b.seconds) + "** — per committed transaction"
                + (w.kind() == Workload.Kind.READ_WRITE ? "; then an immediate CHECKPOINT" : "") + ":");
        out.add("");
        out.add("| configuration | rep | txns | TPS | latency p50 / p99 ms | CPU ms/txn | CPU ms/txn by process "
                + "| Raft entries/txn (all groups) | fdatasync+fsync/txn per node | bytes appended/txn (all groups) "
                + "| KiB written to the disk/txn (machine) | FUSE fsyncs/txn; wait p50 / p99 ms "
                + "| CHECKPOINT s; buffers; ms/1000 buffers | machine busy (rest) cores |");
        out.add("|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|");
        for (Measurement m : rows) {
            double per = 1.0 / m.txns();
            Measurement.RamifyFigures r = m.ramify();
            Measurement.Checkpoint c = m.checkpoint();
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.0f | %s / %s | %.2f | %s | %s | %s | %s | %s | %s | %s " + "| %.2f (%.2f) |",
                    m.title(),
                    m.rep(),
                    m.txns(),
                    m.run().tps(),
                    ms(m.run().perTransaction().p50()),
                    ms(m.run().perTransaction().p99()),
                    m.cpuTotalSeconds() * 1000 * per,
                    byProcess(m, 1000 * per, "%.2f"),
                    r == null
                            ? "—"
                            : String.format(
                                    Locale.ROOT, "%.3f (%.3f)", r.timelineEntries() * per, r.allEntries() * per),
                    syncs(m, per, "%.2f"),
                    r == null
                            ? "—"
                            : String.format(Locale.ROOT, "%.0f (%.0f)", r.timelineBytes() * per, r.allBytes() * per),
                    disk(m, per / 1024, "%.1f"),
                    fuse(m, per, "%.2f"),
                    c == null
                            ? "—"
                            : String.format(
                                    Locale.ROOT,
                                    "%.2f; %d; %s",
                                    c.seconds(),
                                    c.buffers(),
                                    Double.isNaN(c.msPerThousandBuffers())
                                            ? "—"
                                            : String.format(Locale.ROOT, "%.0f", c.msPerThousandBuffers())),
                    m.machineBusyCores(),
                    m.otherCores()));
        }
        out.add("");
        for (Measurement m : rows) {
            if (m.ramify() != null) {
                List<String> c = new ArrayList<>();
                m.ramify()
                        .computeCountDeltas()
                        .forEach((k, v) -> c.add(k + " " + String.format(Locale.ROOT, "%.2f", v / (double) m.txns())));
                out.add("Ramify, repetition " + m.rep()
                        + ", counts per committed txn (the compute's counters and calls of "
                        + "each timer; the Raft reads ratis-wal answered): " + String.join(", ", c) + ".");
                out.add("");
            }
        }
    }

    /** Issue 12's targets, each judged on the mean over the repetitions. */
    private static void targets(List<String> out, WritePathBench b, List<Measurement> ms) {
        int high = b.clients.stream().mapToInt(Integer::intValue).max().orElseThrow();
        Workload c1 = b.clients.contains(1) ? Workload.of(Workload.Kind.READ_WRITE, 1) : null;
        Workload c4 = Workload.of(Workload.Kind.READ_WRITE, high);
        Workload ro = Workload.of(Workload.Kind.READ_ONLY, high);
        Workload load = Workload.of(Workload.Kind.LOAD, 1);
        String r = RamifySetup.KEY;
        out.add("**Targets** (issue 12), each on the mean over the " + b.repetitions + " repetition(s); \"-c " + high
                + "\" stands for the target's -c 4:");
        out.add("");
        out.add("| target | figure | limit | result |");
        out.add("|---|---:|---:|---|");
        ToDoubleFunction<Measurement> cpuPerTxn = m -> m.cpuTotalSeconds() * 1000 / m.txns();
        target(
                out,
                "CPU ms per committed txn, Ramify (Postgres + adapter + 3 nodes + 2 shards), -c " + high,
                at(ms, c4, r, cpuPerTxn),
                3.5,
                true);
        target(out, "CPU ms per committed txn, Ramify, -c 1", at(ms, c1, r, cpuPerTxn), 5, true);
        ToDoubleFunction<Measurement> entries = m -> m.ramify().timelineEntries() / (double) m.txns();
        target(out, "Raft entries per committed txn (timeline's group), -c 1", at(ms, c1, r, entries), 1.05, true);
        target(out, "Raft entries per committed txn (timeline's group), -c " + high, at(ms, c4, r, entries), 0.7, true);
        target(
                out,
                "fdatasync+fsync per node per txn (most of the 3 nodes), -c 1",
                at(ms, c1, r, m -> maxNodeSyncs(m)),
                1.1,
                true);
        target(
                out,
                "TPS -c " + high + ", Ramify ÷ vanilla",
                ratio(ms, c4, r, VanillaSetup.KEY, m -> m.run().tps()),
                0.4,
                false);
        target(
                out,
                "TPS -c " + high + ", Ramify ÷ standbys",
                ratio(ms, c4, r, StandbysSetup.KEY, m -> m.run().tps()),
                0.8,
                false);
        target(
                out,
                "latency p50 -c 1, Ramify ÷ standbys",
                ratio(
                        ms,
                        c1,
                        r,
                        StandbysSetup.KEY,
                        m -> m.run().perTransaction().p50()),
                3,
                true);
        target(
                out,
                "(for reference) latency p99 -c 1, Ramify ÷ standbys",
                ratio(
                        ms,
                        c1,
                        r,
                        StandbysSetup.KEY,
                        m -> m.run().perTransaction().p99()),
                3,
                true);
        target(
                out,
                "pgbench -i -s " + b.scale + " wall time, Ramify ÷ vanilla",
                ratio(ms, load, r, VanillaSetup.KEY, m -> m.load().wallSeconds()),
                4,
                true);
        target(
                out,
                "-S TPS, Ramify ÷ vanilla",
                ratio(ms, ro, r, VanillaSetup.KEY, m -> m.run().tps()),
                0.9,
                false);
        target(
                out,
                "CHECKPOINT after -c " + high + ", ms per 1000 buffers written, Ramify ÷ vanilla",
                ratio(ms, c4, r, VanillaSetup.KEY, m -> m.checkpoint().msPerThousandBuffers()),
                3,
                true);
        out.add("");
    }

    private static void target(List<String> out, String what, OptionalDouble figure, double limit, boolean atMost) {
        String res = figure.isEmpty() || Double.isNaN(figure.getAsDouble())
                ? "n/a (not measured in this run)"
                : (atMost ? figure.getAsDouble() <= limit : figure.getAsDouble() >= limit) ? "pass" : "**fail**";
        out.add(String.format(
                Locale.ROOT,
                "| %s | %s | %s %s | %s |",
                what,
                figure.isEmpty() ? "—" : String.format(Locale.ROOT, "%.3f", figure.getAsDouble()),
                atMost ? "≤" : "≥",
                trim(limit),
                res));
    }

    private static OptionalDouble at(List<Measurement> ms, Workload w, String config, ToDoubleFunction<Measurement> f) {
        if (w == null) {
            return OptionalDouble.empty();
        }
        return mean(ms.stream().filter(m -> m.workload().equals(w)).toList(), config, f);
    }

    private static OptionalDouble ratio(
            List<Measurement> ms, Workload w, String config, String base, ToDoubleFunction<Measurement> f) {
        OptionalDouble a = at(ms, w, config, f);
        OptionalDouble z = at(ms, w, base, f);
        return a.isPresent() && z.isPresent() && z.getAsDouble() > 0
                ? OptionalDouble.of(a.getAsDouble() / z.getAsDouble())
                : OptionalDouble.empty();
    }

    private static OptionalDouble mean(List<Measurement> rows, String config, ToDoubleFunction<Measurement> f) {
        return rows.stream()
                .filter(m -> m.config().equals(config))
                .mapToDouble(f)
                .average();
    }

    /** The largest per-transaction count of the ratis-wal nodes; NaN when not counted. */
    private static double maxNodeSyncs(Measurement m) {
        if (m.syncs() == null) {
            return Double.NaN;
        }
        return m.syncs().entrySet().stream()
                .filter(e -> e.getKey().matches("n\\d+"))
                .mapToDouble(e -> e.getValue() / (double) m.txns())
                .max()
                .orElse(Double.NaN);
    }

    private static String byProcess(Measurement m, double scale, String format) {
        List<String> parts = new ArrayList<>();
        m.cpuSeconds().forEach((k, v) -> parts.add(k + " " + String.format(Locale.ROOT, format, v * scale)));
        parts.add("(pgbench " + String.format(Locale.ROOT, format, m.clientCpuSeconds() * scale) + ", bench JVM "
                + String.format(Locale.ROOT, format, m.benchCpuSeconds() * scale) + ")");
        return String.join(" · ", parts);
    }

    /** The bytes the machine wrote to the data directory's disk during the step, times {@code scale}. */
    private static String disk(Measurement m, double scale, String format) {
        return m.diskBytes() < 0 ? "n/a" : String.format(Locale.ROOT, format, m.diskBytes() * scale);
    }

    private static String syncs(Measurement m, double scale, String format) {
        if (m.syncs() == null) {
            return "n/a";
        }
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, Long> e : m.syncs().entrySet()) {
            parts.add(e.getKey() + " " + String.format(Locale.ROOT, format, e.getValue() * scale));
        }
        return String.join(" · ", parts);
    }

    private static String fuse(Measurement m, double scale, String format) {
        Measurement.RamifyFigures r = m.ramify();
        if (r == null) {
            return "—";
        }
        String waits = r.fsyncWait().count() == 0
                ? "—"
                : ms(r.fsyncWait().p50()) + " / " + ms(r.fsyncWait().p99());
        return String.format(Locale.ROOT, format, r.fuseFsyncs() * scale) + "; " + waits
                + (r.fuseFsyncsDropped() > 0 ? " (" + r.fuseFsyncsDropped() + " not recorded)" : "");
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
