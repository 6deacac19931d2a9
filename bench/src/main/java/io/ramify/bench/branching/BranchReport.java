package io.ramify.bench.branching;

import io.ramify.bench.Latencies;
import io.ramify.bench.MachineFacts;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/** The markdown report of one run of {@code bench/branch-create}, ready for docs/benchmarks.md. */
final class BranchReport {
    private static final int TREND_WINDOW = 100;

    private final String command;
    private final MachineFacts facts;
    private final String nodeHeap;
    private final List<ProjectRun> projects;
    private final Load.Result load;
    private final int warmup;
    private final int maxLive;
    private final double minutes;
    private final String waitedReads;
    private final List<String> out = new ArrayList<>();

    BranchReport(
            String command,
            MachineFacts facts,
            String nodeHeap,
            List<ProjectRun> projects,
            Load.Result load,
            int warmup,
            int maxLive,
            double minutes,
            String waitedReads) {
        this.command = command;
        this.facts = facts;
        this.nodeHeap = nodeHeap;
        this.projects = projects;
        this.load = load;
        this.warmup = warmup;
        this.maxLive = maxLive;
        this.minutes = minutes;
        this.waitedReads = waitedReads;
    }

    List<String> render() {
        out.add("Command: `" + command + "`");
        out.add("");
        out.addAll(facts.markdown());
        out.add("- heaps: bench JVM (control plane, computes' FUSE, 2 shards) -Xmx"
                + Runtime.getRuntime().maxMemory() / (1 << 20) + "m; each ratis-wal node process -Xmx" + nodeHeap);
        out.add(String.format(Locale.ROOT, "- whole run: %.1f min", minutes));
        out.add("");
        setup();
        creation();
        steps();
        starts();
        return out;
    }

    private void setup() {
        out.add("**Setup** — one project per scale; main's compute loaded with `pgbench -i -s S` over TCP:");
        out.add("");
        out.add("| project | pgbench -i seconds | database (pg_database_size) | WAL written by the load |");
        out.add("|---|---:|---:|---:|");
        for (ProjectRun p : projects) {
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %.1f | %s | %s |",
                    p.label(),
                    p.loadSeconds,
                    size(p.databaseBytes),
                    size(p.lsnAfterLoad.value() - p.lsnBeforeLoad.value())));
        }
        out.add("");
        out.add(String.format(
                Locale.ROOT,
                "The page-store shards had ingested everything %.1f s after the last load "
                        + "ended; then every main was CHECKPOINTed and the machine left to settle. On disk then: ratis-wal %s "
                        + "(3 nodes: Raft logs, state machines), page-store shards %s.",
                load.catchUpSeconds(),
                size(load.walBytes()),
                size(load.shardBytes())));
        out.add("");
    }

    private void creation() {
        ProjectRun first = projects.getFirst();
        out.add("**Branch creation** — `POST /v1/projects/{p}/branches` with `{\"name\": …, \"parent\": \"main\"}` "
                + "(plus `lsn` or `time` where named), wall time of the HTTP call, one call at a time, the projects "
                + "interleaved call by call, after " + warmup + " unmeasured calls per project:");
        out.add("");
        out.add("| branch of main at | project | branches | p50 ms | p99 ms | max ms | p50 ÷ " + first.name + " p50 |");
        out.add("|---|---|---:|---:|---:|---:|---:|");
        creationRows("head; main's compute running (the control plane CHECKPOINTs it first)", p -> p.headRunning);
        creationRows("head; main's compute stopped", p -> p.headStopped);
        creationRows("an LSN inside the pgbench load", p -> p.atLsn);
        creationRows("a time inside the pgbench load", p -> p.atTime);
        out.add("");
        out.add("Head branches (main running) over the run, p50 per window of " + TREND_WINDOW + " calls:");
        out.add("");
        out.add("| project | first " + TREND_WINDOW + " | middle " + TREND_WINDOW + " | last " + TREND_WINDOW + " |");
        out.add("|---|---:|---:|---:|");
        for (ProjectRun p : projects) {
            int n = p.headSeries.size();
            int w = Math.min(TREND_WINDOW, n);
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %s | %s | %s |",
                    p.label(),
                    ms(windowP50(p.headSeries, 0, w)),
                    ms(windowP50(p.headSeries, (n - w) / 2, w)),
                    ms(windowP50(p.headSeries, n - w, w))));
        }
        out.add("");
        StringBuilder b = new StringBuilder("Validation: every branch the run created was listed by `GET /v1/projects/"
                + "{p}/branches` with its timeline and parent before it was deleted (to stay at " + maxLive
                + " branches per "
                + "project at most; the catalog's limit is " + BranchCreateBench.BRANCH_LIMIT + ") or at the end;");
        for (ProjectRun p : projects) {
            Latencies.Summary d = p.deletes.summary();
            b.append(String.format(
                    Locale.ROOT,
                    " %s: %d created, %d deleted (DELETE p50 %s ms, p99 %s ms), %d listings " + "checked;",
                    p.name,
                    p.created,
                    p.deleted.size(),
                    ms(d.p50()),
                    ms(d.p99()),
                    p.listingsChecked));
        }
        out.add(b.substring(0, b.length() - 1) + ".");
        out.add("");
        StringBuilder l = new StringBuilder("The listing as a user gets it by default (`GET …/branches`, with sizes: "
                + "page-store usage and a ListTree per branch for its logical size), once at the end:");
        for (ProjectRun p : projects) {
            l.append(String.format(
                    Locale.ROOT,
                    " %s %.1f s for %d branches;",
                    p.name,
                    p.fullListingNanos / 1e9,
                    p.fullListingBranches));
        }
        out.add(l.substring(0, l.length() - 1) + " (the bench's checks use `?sizes=false`).");
        out.add("");
    }

    private void creationRows(String at, Function<ProjectRun, Latencies> pick) {
        Latencies.Summary base = pick.apply(projects.getFirst()).summary();
        if (base.count() == 0) {
            return;
        }
        for (ProjectRun p : projects) {
            Latencies.Summary s = pick.apply(p).summary();
            out.add(String.format(
                    Locale.ROOT,
                    "| %s | %s | %d | %s | %s | %s | %s |",
                    at,
                    p.label(),
                    s.count(),
                    ms(s.p50()),
                    ms(s.p99()),
                    ms(s.max()),
                    p == projects.getFirst()
                            ? "1.00"
                            : String.format(Locale.ROOT, "%.2f", s.p50() / (double) base.p50())));
        }
    }

    private void steps() {
        if (projects.getFirst().stepsTotal.count() == 0
                && projects.getFirst().stoppedStepsTotal.count() == 0) {
            return;
        }
        out.add(
                "**Where the time goes** — more branches per project at main's head, made by the bench with the control "
                        + "plane's steps in its order and through the same clients, each step timed (no HTTP): "
                        + projects.getFirst().stepsTotal.count() + " with main's compute running (\"run\"), "
                        + projects.getFirst().stoppedStepsTotal.count()
                        + " with it stopped at the end of the run (\"stop\", no "
                        + "CHECKPOINT). Milliseconds:");
        out.add("");
        StringBuilder h = new StringBuilder("| step |");
        StringBuilder a = new StringBuilder("|---|");
        for (ProjectRun p : projects) {
            for (String c : List.of("run p50", "run p99", "stop p50", "stop p99")) {
                h.append(" ").append(p.name).append(" ").append(c).append(" |");
                a.append("---:|");
            }
        }
        out.add(h.toString());
        out.add(a.toString());
        for (String step : Steps.ORDER) {
            StringBuilder r = new StringBuilder("| " + step + " |");
            for (ProjectRun p : projects) {
                r.append(stepCells(p.steps.get(step))).append(stepCells(p.stoppedSteps.get(step)));
            }
            out.add(r.toString());
        }
        StringBuilder t = new StringBuilder("| all steps (one branch, end to end) |");
        StringBuilder api = new StringBuilder("| for comparison: the API calls above (head) |");
        for (ProjectRun p : projects) {
            t.append(stepCells(p.stepsTotal)).append(stepCells(p.stoppedStepsTotal));
            api.append(stepCells(p.headRunning)).append(stepCells(p.headStopped));
        }
        out.add(t.toString());
        out.add(api.toString());
        out.add("");
    }

    private static String stepCells(Latencies l) {
        if (l == null || l.count() == 0) {
            return " — | — |";
        }
        Latencies.Summary s = l.summary();
        return " " + ms(s.p50()) + " | " + ms(s.p99()) + " |";
    }

    private void starts() {
        if (projects.stream().allMatch(p -> p.newBranchStarts.isEmpty() && p.mainRestarts.isEmpty())) {
            return;
        }
        out.add("**Compute start to first query** — `POST …/branches/{b}/compute/start` (it answers once Postgres "
                + "accepts connections), then `psql -h 127.0.0.1 -c 'SELECT 1'` to the port it returned; one at a time. "
                + "New branches were made at main's head (main running) just before; main's restarts are a clean stop "
                + "(`compute/stop`) then a start. Seconds, p50 / max:");
        out.add("");
        out.add("| project | compute of | starts | start → first answer | compute/start call | the compute's start "
                + "(claim, mount, Postgres) | Postgres: starting → ready (its log) | of which redo | end-of-recovery "
                + "checkpoint | first psql SELECT 1 | a second psql SELECT 1 |");
        out.add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (ProjectRun p : projects) {
            startRow(p, "a new branch", p.newBranchStarts);
        }
        for (ProjectRun p : projects) {
            startRow(p, "main, clean restart", p.mainRestarts);
        }
        out.add("");
        out.add(
                "Page-store reads (GetBlocks calls on both shards; one call may carry several blocks) during the "
                        + "compute/start call and during the first SELECT 1, p50 / max per start; \"waited\" calls had to wait "
                        + "until the shard had ingested the seq the compute named (a read right after the compute's own writes):");
        out.add("");
        out.add("| project | compute of | during start: calls | of which waited | during the first query: calls "
                + "| of which waited |");
        out.add("|---|---|---:|---:|---:|---:|");
        for (ProjectRun p : projects) {
            readsRow(p, "a new branch", p.newBranchStarts);
        }
        for (ProjectRun p : projects) {
            readsRow(p, "main, clean restart", p.mainRestarts);
        }
        out.add("");
        out.add("GetBlocks calls that waited for ingestion, as the shards timed them (p50 / p99, mostly the last "
                + "minutes: a decaying reservoir), after the restarts: " + waitedReads + ".");
        out.add("");
        StringBuilder b = new StringBuilder(
                "Main's clean stop (`compute/stop`: fast shutdown with its checkpoint, " + "unmount), p50 / max:");
        for (ProjectRun p : projects) {
            Latencies.Summary s = p.mainStops.summary();
            b.append(String.format(Locale.ROOT, " %s %s / %s s;", p.name, sec(s.p50()), sec(s.max())));
        }
        out.add(b.substring(0, b.length() - 1) + ".");
    }

    private void startRow(ProjectRun p, String what, List<ProjectRun.Start> l) {
        if (l.isEmpty()) {
            return;
        }
        out.add(String.format(
                Locale.ROOT,
                "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |",
                p.label(),
                what,
                l.size(),
                nanosCell(l, ProjectRun.Start::totalNanos),
                nanosCell(l, ProjectRun.Start::apiNanos),
                millisCell(l, ProjectRun.Start::computeMillis),
                millisCell(l, ProjectRun.Start::postgresMillis),
                millisCell(l, ProjectRun.Start::redoMillis),
                millisCell(l, ProjectRun.Start::checkpointMillis),
                nanosCell(l, ProjectRun.Start::queryNanos),
                nanosCell(l, ProjectRun.Start::againNanos)));
    }

    private void readsRow(ProjectRun p, String what, List<ProjectRun.Start> l) {
        if (l.isEmpty()) {
            return;
        }
        out.add(String.format(
                Locale.ROOT,
                "| %s | %s | %s | %s | %s | %s |",
                p.label(),
                what,
                countCell(l, s -> s.startReads().calls()),
                countCell(l, s -> s.startReads().waited()),
                countCell(l, s -> s.queryReads().calls()),
                countCell(l, s -> s.queryReads().waited())));
    }

    private static String countCell(List<ProjectRun.Start> l, ToLongFunction<ProjectRun.Start> f) {
        long[] v = l.stream().mapToLong(f).sorted().toArray();
        return median(v) + " / " + v[v.length - 1];
    }

    private static String nanosCell(List<ProjectRun.Start> l, ToLongFunction<ProjectRun.Start> f) {
        long[] v = l.stream().mapToLong(f).sorted().toArray();
        return sec(median(v)) + " / " + sec(v[v.length - 1]);
    }

    /** Milliseconds from logs and messages; "—" when none of the starts had it. */
    private static String millisCell(List<ProjectRun.Start> l, ToLongFunction<ProjectRun.Start> f) {
        long[] v = l.stream().mapToLong(f).filter(x -> x >= 0).sorted().toArray();
        if (v.length == 0) {
            return "—";
        }
        String cell = sec(median(v) * 1_000_000) + " / " + sec(v[v.length - 1] * 1_000_000);
        return v.length == l.size() ? cell : cell + " (" + v.length + " of " + l.size() + ")";
    }

    /** Nearest-rank median, as {@link Latencies} computes p50. */
    private static long median(long[] sorted) {
        return sorted[Math.max(0, (int) Math.ceil(sorted.length / 2.0) - 1)];
    }

    private static long windowP50(List<Long> series, int from, int n) {
        if (n <= 0) {
            return 0;
        }
        long[] v = series.subList(from, from + n).stream()
                .mapToLong(Long::longValue)
                .toArray();
        Arrays.sort(v);
        return median(v);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
    }

    private static String sec(long nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e9);
    }

    private static String size(long bytes) {
        if (bytes < 0) {
            return "unknown";
        }
        return bytes >= 1L << 30
                ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1 << 20));
    }
}
