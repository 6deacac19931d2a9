package io.ramify.bench.compute;

import io.ramify.bench.Latencies;
import io.ramify.bench.MachineFacts;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/** The markdown report of one run: tables ready to paste into docs/benchmarks.md. */
final class ComputeReport {
    private ComputeReport() {}

    static List<String> render(MachineFacts facts, String command, ComputeBench b, ComputeBench.Results r) {
        List<String> out = new ArrayList<>();
        out.add("Command: `" + command + "`");
        out.add("");
        out.addAll(facts.markdown());
        out.add("- Postgres: " + r.pgbenchVersion + " and the server of the same package, for both systems");
        out.add("- storage: " + Storage.NODES + " ratis-wal nodes (a JVM each, -Xmx" + Storage.NODE_HEAP_MIB
                + "m) hosting " + Storage.GROUPS + " Raft groups, " + Storage.SHARDS + " page-store shards in the "
                + "benchmark's JVM (-Xmx" + Runtime.getRuntime().maxMemory() / (1 << 20)
                + "m) beside the compute-adapter; "
                + "all on loopback on this machine");
        out.add("");
        settings(out, r);
        load(out, b, r);
        throughput(out, b, r);
        cpu(out, r);
        starts(out, r);
        for (ComputeBench.Measured m : r.runs) {
            if (m.profile() != null) {
                profile(out, m);
            }
        }
        return out;
    }

    private static void settings(List<String> out, ComputeBench.Results r) {
        out.add("Settings, read back from both servers (`SHOW`) and required to be equal:");
        out.add("");
        StringBuilder s = new StringBuilder();
        for (String[] kv : r.settings) {
            s.append(s.isEmpty() ? "" : ", ")
                    .append('`')
                    .append(kv[0])
                    .append('=')
                    .append(kv[1])
                    .append('`');
        }
        out.add(s.toString());
        out.add("");
    }

    private static void load(List<String> out, ComputeBench b, ComputeBench.Results r) {
        out.add("**Load** — `pgbench -i -s " + b.scale + "`, and then (after the clean restarts below) every block of "
                + "pgbench's tables and indexes read once with `pg_prewarm(rel, 'read')`, OS page cache " + r.cacheDrop
                + ":");
        out.add("");
        out.add("| step | vanilla s | Ramify s | Ramify ÷ vanilla |");
        out.add("|---|---:|---:|---:|");
        out.add(String.format(
                Locale.ROOT,
                "| pgbench -i -s %d (wall) | %.1f | %.1f | %s |",
                b.scale,
                r.initVanilla.wallSeconds(),
                r.initRamify.wallSeconds(),
                ratio(r.initRamify.wallSeconds(), r.initVanilla.wallSeconds())));
        out.add(String.format(
                Locale.ROOT,
                "| prewarm read of every pgbench block | %.1f | %.1f | %s |",
                r.prewarmVanillaSeconds,
                r.prewarmRamifySeconds,
                ratio(r.prewarmRamifySeconds, r.prewarmVanillaSeconds)));
        out.add("");
        out.add("pgbench's own phases: vanilla " + r.initVanilla.phases() + "; Ramify " + r.initRamify.phases() + ".");
        out.add("");
    }

    private static void throughput(List<String> out, ComputeBench b, ComputeBench.Results r) {
        out.add("**Throughput** — `pgbench -n -c " + b.clients + " -j " + b.threads + " -T " + b.seconds
                + "` (built-in "
                + "TPC-B-like) and the same with `-S` (select only), vanilla then Ramify; percentiles from pgbench's "
                + "per-transaction log (`-l`), every transaction:");
        out.add("");
        out.add(
                "| run | system | transactions | TPS | latency avg ms | p50 ms | p99 ms | max ms | TPS Ramify ÷ vanilla |");
        out.add("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < r.runs.size(); i++) {
            ComputeBench.Measured m = r.runs.get(i);
            Pgbench.Run p = m.pgbench();
            if (p == null) {
                continue; // pgbench -i: the load table has it
            }
            Latencies.Summary l = p.perTransaction();
            String vs = "—";
            if (m.profile() != null && i > 0 && r.runs.get(i - 1).run().equals(m.run())) {
                vs = ratio(p.tps(), r.runs.get(i - 1).pgbench().tps());
            }
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %.0f | %.3f | %s | %s | %s | %s |",
                    m.run(),
                    m.system(),
                    p.processed(),
                    p.tps(),
                    p.latencyAverageMs(),
                    ms(l.p50()),
                    ms(l.p99()),
                    ms(l.max()),
                    vs));
        }
        out.add("");
        out.add("No run had a failed transaction; pgbench's balance invariant held on both after every step, and the "
                + "history table held exactly one row per transaction the read-write run committed — after the crash "
                + "recovery and in every fork too.");
        out.add("");
    }

    private static void cpu(List<String> out, ComputeBench.Results r) {
        out.add(
                "**CPU** during each step, in cores (CPU seconds ÷ wall seconds, from /proc: a Postgres server with all "
                        + "its processes, this JVM, its reaped children, the three node JVMs); \"rest of machine\" is everything "
                        + "else that ran meanwhile (kernel threads, other users of the machine):");
        out.add("");
        List<String> parts = new ArrayList<>(r.runs.getFirst().cpu().cores().keySet());
        StringBuilder h = new StringBuilder("| step | system | s |");
        StringBuilder a = new StringBuilder("|---|---|---:|");
        for (String p : parts) {
            h.append(' ').append(p).append(" |");
            a.append("---:|");
        }
        out.add(h + " rest of machine | machine busy |");
        out.add(a + "---:|---:|");
        for (ComputeBench.Measured m : r.runs) {
            StringBuilder row = new StringBuilder(
                    String.format(Locale.ROOT, "| %s | %s | %.0f |", m.run(), m.system(), m.seconds()));
            for (String p : parts) {
                row.append(String.format(Locale.ROOT, " %.2f |", m.cpu().cores().get(p)));
            }
            row.append(String.format(
                    Locale.ROOT, " %.2f | %.2f |", m.cpu().otherCores(), m.cpu().machineCores()));
            out.add(row.toString());
        }
        out.add("");
    }

    private static void starts(List<String> out, ComputeBench.Results r) {
        out.add("**Start times** in ms, each from the request until a `SELECT 1` over TCP is answered (polled every "
                + Sql.READY_POLL_MILLIS
                + " ms), split at the postmaster's first and \"ready to accept connections\" log "
                + "lines: *to launch* (Ramify: claim the timeline, load the view, mount — *mount* is when the mount appeared "
                + "in /proc/self/mounts, with the view's loading in brackets — then start Postgres; after a crash: the "
                + "supervisor's checks and sync), *launch → ready* (Postgres's startup and crash recovery: *redo* and the "
                + "*end-of-recovery checkpoint* from its log), *ready → answer* (the first backend; it rebuilds the "
                + "relation cache init file, which startup deletes). *GetBlocks*: page-store reads the adapter made until "
                + "the first answer, with their summed time and how many a shard answered only after waiting to ingest "
                + "the ops they must reflect. *Stop before*: the clean stop just before (Ramify: fast "
                + "shutdown, every op durable, unmount):");
        out.add("");
        out.add(
                "| system | start | stop before | fork created | mount (load view) | to launch | launch → ready | redo "
                        + "| WAL replayed MiB | end-of-recovery checkpoint | ready → answer | first answer | GetBlocks (s; waited) |");
        out.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Starts.Sample s : r.starts) {
            String mount = Double.isNaN(s.mountMillis())
                    ? "—"
                    : Double.isNaN(s.loadMillis())
                            ? ms1(s.mountMillis())
                            : ms1(s.mountMillis()) + " (" + ms1(s.loadMillis()) + ")";
            String gb = s.getBlocks() < 0
                    ? "—"
                    : String.format(
                            Locale.ROOT,
                            "%d (%.1f; %d waited)",
                            s.getBlocks(),
                            s.getBlockSeconds(),
                            s.getBlocksWaited());
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |",
                    s.system(),
                    s.what(),
                    ms1(s.stopMillis()),
                    ms1(s.createMillis()),
                    mount,
                    ms1(s.toLaunchMillis()),
                    s.log().readyMillis(),
                    opt(s.log().redoMillis()),
                    s.log().recovered()
                            ? String.format(Locale.ROOT, "%.1f", s.log().redoBytes() / 1048576.0)
                            : "—",
                    opt(s.log().endOfRecoveryCheckpointMillis()),
                    ms1(s.readyToAnswerMillis()),
                    ms1(s.firstAnswerMillis()),
                    gb));
        }
        out.add("");
    }

    private static void profile(List<String> out, ComputeBench.Measured m) {
        ComputeBench.RamifyProfile p = m.profile();
        double secs = m.seconds();
        out.add("**Profile of " + m.run() + " on Ramify** (" + String.format(Locale.ROOT, "%.0f", secs) + " s) — the "
                + "compute's timers (counts are exact for the step; mean and percentiles from each timer's recency-weighted "
                + "sample; ≈ total = calls × mean, summed over concurrent callers):");
        out.add("");
        out.add("| timer | calls | per s | mean ms | p50 ms | p99 ms | max ms | ≈ total s |");
        out.add("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (Profile.TimerRow t : p.timers()) {
            out.add(timerRow(t, secs));
        }
        out.add("");
        List<String> counters = new ArrayList<>();
        p.counters().forEach((k, v) -> counters.add(k + " " + v));
        long hits = p.counters().getOrDefault("adapter.cache.hits", 0L);
        long misses = p.counters().getOrDefault("adapter.cache.misses", 0L);
        out.add("Counters over the step: " + String.join(", ", counters)
                + String.format(
                        Locale.ROOT,
                        "; adapter cache hit ratio in the step %s.",
                        hits + misses == 0
                                ? "— (no lookups)"
                                : String.format(Locale.ROOT, "%.3f", hits / (double) (hits + misses))));
        out.add("");
        List<String> gauges = new ArrayList<>();
        for (Map.Entry<String, double[]> g : p.gauges().entrySet()) {
            gauges.add(
                    String.format(Locale.ROOT, "%s mean %.1f, max %.0f", g.getKey(), g.getValue()[0], g.getValue()[1]));
        }
        out.add("Sampled every " + GaugeSampler.PERIOD_MILLIS + " ms: " + String.join("; ", gauges) + ".");
        out.add("");
        if (!p.shardTimers().isEmpty()) {
            out.add("Page-store shards over the same step (server side):");
            out.add("");
            out.add("| timer | calls | per s | mean ms | p50 ms | p99 ms | max ms | ≈ total s |");
            out.add("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (Profile.TimerRow t : p.shardTimers()) {
                out.add(timerRow(t, secs));
            }
            out.add("");
        }
        List<String> sc = new ArrayList<>();
        p.shardCounters().forEach((k, v) -> {
            if (v != 0) {
                sc.add(k + " " + v);
            }
        });
        if (!sc.isEmpty()) {
            out.add("Shard counters over the step: " + String.join(", ", sc) + ".");
            out.add("");
        }
    }

    private static String timerRow(Profile.TimerRow t, double secs) {
        return String.format(
                Locale.ROOT,
                "| %s | %d | %.0f | %.3f | %.3f | %.3f | %.3f | %.1f |",
                t.name(),
                t.calls(),
                t.calls() / secs,
                t.meanNanos() / 1e6,
                t.p50Nanos() / 1e6,
                t.p99Nanos() / 1e6,
                t.maxNanos() / 1e6,
                t.totalSeconds());
    }

    private static String opt(OptionalLong v) {
        return v.isPresent() ? Long.toString(v.getAsLong()) : "—";
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String ms1(double millis) {
        return Double.isNaN(millis) ? "—" : String.format(Locale.ROOT, "%.0f", millis);
    }

    private static String ratio(double x, double base) {
        return base <= 0 ? "—" : String.format(Locale.ROOT, "%.2f", x / base);
    }
}
