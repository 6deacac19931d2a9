package io.ramify.bench.branching;

import com.fasterxml.jackson.core.type.TypeReference;
import io.ramify.bench.BenchDataDir;
import io.ramify.bench.MachineFacts;
import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.common.Lsn;
import io.ramify.control.Views;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.wal.client.WalClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures what creating a branch costs through the REST API, on projects whose main branch holds
 * pgbench databases of different sizes, and how long a compute on a new branch takes from
 * {@code compute/start} to its first answered query. Runs the whole system: 3 ratis-wal node
 * processes hosting the catalog, 2 page-store shards and the control plane. Every created branch
 * must show up in the branch listing; any failed call ends the run with an error and no figures.
 */
@Command(
        name = "branch-create",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmarks branch creation through the REST API on pgbench databases of",
            "two (or more) scales, and the time from compute start to the first query.",
            "Runs 3 ratis-wal node processes (catalog included), 2 page-store shards",
            "and the control plane. Progress on stderr, a markdown report on stdout.",
            "Loading scale 200 through a compute takes long (45+ min on 2 shared cores)."
        })
public final class BranchCreateBench implements Callable<Integer> {
    /** Live branches a project may have, main included. */
    static final int BRANCH_LIMIT = CatalogLimits.BRANCHES_PER_PROJECT_MAX;
    /** Branches deleted at least at once when a project is full. */
    static final int DELETE_BATCH = 100;

    static final Pattern READY_IN = Pattern.compile("ready in (\\d+) ms");

    @Option(
            names = "--branches",
            paramLabel = "N",
            description =
                    "Branches created at main's head per project, main's compute running (default: ${DEFAULT-VALUE}).")
    int branches = 1000;

    @Option(
            names = "--scales",
            paramLabel = "S1,S2",
            split = ",",
            description = "pgbench scales, one project each; ratios are against the first (default: 10,200).")
    List<Integer> scales = new ArrayList<>(List.of(10, 200));

    @Option(
            names = "--warmup",
            paramLabel = "N",
            description = "Unmeasured branches per project before the measured ones (default: ${DEFAULT-VALUE}).")
    int warmup = 10;

    @Option(
            names = "--step-branches",
            paramLabel = "N",
            description =
                    "Branches per project made step by step with a timer on each step (default: ${DEFAULT-VALUE}).")
    int stepBranches = 100;

    @Option(
            names = "--lsn-branches",
            paramLabel = "N",
            description = "Branches per project at LSNs inside the pgbench load (default: ${DEFAULT-VALUE}).")
    int lsnBranches = 50;

    @Option(
            names = "--time-branches",
            paramLabel = "N",
            description = "Branches per project at times inside the pgbench load (default: ${DEFAULT-VALUE}).")
    int timeBranches = 50;

    @Option(
            names = "--stopped-branches",
            paramLabel = "N",
            description =
                    "Branches per project at main's head with main's compute stopped (default: ${DEFAULT-VALUE}).")
    int stoppedBranches = 100;

    @Option(
            names = "--stopped-step-branches",
            paramLabel = "N",
            description =
                    "Branches per project made step by step with main's compute stopped (default: ${DEFAULT-VALUE}).")
    int stoppedStepBranches = 50;

    @Option(
            names = "--starts",
            paramLabel = "N",
            description = "New branches per project whose compute is started and queried (default: ${DEFAULT-VALUE}).")
    int starts = 5;

    @Option(
            names = "--restarts",
            paramLabel = "N",
            description =
                    "Clean restarts (stop, start, query) of main's compute per project (default: ${DEFAULT-VALUE}).")
    int restarts = 3;

    @Option(
            names = "--load-timeout",
            paramLabel = "MIN",
            description =
                    "Longest pgbench -i per project, and longest wait for the shards to catch up (default: ${DEFAULT-VALUE}).")
    int loadTimeoutMinutes = 90;

    @Option(
            names = "--settle",
            paramLabel = "S",
            description =
                    "Pause after the loads, once the shards caught up, before measuring (default: ${DEFAULT-VALUE}).")
    int settleSeconds = 30;

    @Option(
            names = "--max-live",
            paramLabel = "N",
            description =
                    "Live branches per project (main included) before the oldest are deleted; at most the catalog's "
                            + "limit (default: ${DEFAULT-VALUE}).")
    int maxLive = BRANCH_LIMIT;

    @Option(
            names = "--node-heap",
            paramLabel = "SIZE",
            description = "-Xmx of each ratis-wal node process (default: ${DEFAULT-VALUE}).")
    String nodeHeap = "1g";

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = {
                "Parent of the run's fresh data directory, deleted afterwards; not a tmpfs; scale 200 needs "
                        + "tens of GB (default: bench/target in the repository, else the JVM's temp dir)."
            })
    Path dataParent;

    @Option(names = "--keep-data", description = "Keep the run's data directory.")
    boolean keepData;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Stack stack;
    private Rest rest;
    private final List<ProjectRun> projects = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        int perProject =
                1 + warmup + stepBranches + lsnBranches + timeBranches + stoppedBranches + stoppedStepBranches + starts;
        if (branches < 1
                || warmup < 0
                || stepBranches < 0
                || stoppedStepBranches < 0
                || lsnBranches < 0
                || timeBranches < 0
                || stoppedBranches < 0
                || starts < 0
                || restarts < 0
                || loadTimeoutMinutes < 1
                || settleSeconds < 0
                || scales.isEmpty()
                || scales.stream().anyMatch(s -> s < 1)
                || scales.stream().distinct().count() != scales.size()) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "counts must be positive (or 0 for the optional "
                            + "samples), --branches at least 1, and --scales distinct positive pgbench scales");
        }
        if (maxLive > BRANCH_LIMIT || perProject + DELETE_BATCH > maxLive) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--max-live must be at most " + BRANCH_LIMIT
                            + ", and the samples besides --branches need " + perProject
                            + " branches per project; with room to "
                            + "delete " + DELETE_BATCH + " at a time that must stay below --max-live");
        }
        if (scales.stream().anyMatch(s -> s >= 100)) {
            progress("note: pgbench -i at scale "
                    + scales.stream().mapToInt(Integer::intValue).max().getAsInt()
                    + " through a compute takes a long time (tens of minutes on 2 cores); --scales picks smaller ones");
        }
        BenchDataDir.run("branch-create-", dataParent, keepData, BranchCreateBench::progress, this::run);
        return 0;
    }

    private void run(Path dir, Path root) throws Exception {
        if (Files.getFileStore(dir).type().equals("tmpfs")) {
            progress("WARNING: " + dir + " is on tmpfs; Raft log fsyncs cost nothing there");
        }
        MachineFacts facts = MachineFacts.collect(dir, root);
        long t0 = System.nanoTime();
        progress("starting 3 ratis-wal node processes hosting the catalog, in " + dir);
        Stack started = Stack.start(dir, nodeHeap, BranchCreateBench::progress, null);
        // Interrupted (Ctrl-C, kill): stop Postgres, unmount and end the node processes all the same.
        Thread hook = new Thread(
                () -> {
                    progress("interrupted: stopping computes and the cluster; data left in " + dir + " and "
                            + started.computes);
                    try {
                        started.close();
                    } catch (Exception e) {
                        progress("stopping after an interruption: " + e);
                    }
                },
                "branch-create-interrupted");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Stack s = started;
                WalClient wal = s.walClient();
                CatalogClient catalog = s.catalogClient();
                PageStoreClient pages = s.pageStoreClient()) {
            stack = s;
            rest = new Rest(s.api.base().getPort());
            for (int scale : scales) {
                projects.add(new ProjectRun("bench-s" + scale, scale));
            }
            Load.Result load = new Load(
                            s,
                            rest,
                            pages,
                            Duration.ofMinutes(loadTimeoutMinutes),
                            Duration.ofSeconds(settleSeconds),
                            BranchCreateBench::progress)
                    .loadAll(projects);
            headBranches();
            Steps steps = new Steps(wal, catalog, pages);
            stepBranches(steps);
            pointBranches();
            computeStarts();
            mainRestarts();
            String waited = stack.waitedReads();
            stoppedBranches(steps);
            for (ProjectRun p : projects) {
                verifyListing(p);
                fullListing(p);
            }
            double minutes = (System.nanoTime() - t0) / 60e9;
            progress(String.format(Locale.ROOT, "done in %.1f min; stopping computes and the cluster", minutes));
            String command = ("bench/branch-create "
                            + String.join(
                                    " ", spec.commandLine().getParseResult().originalArgs()))
                    .trim();
            List<String> report = new BranchReport(
                            command, facts, nodeHeap, projects, load, warmup, maxLive, minutes, waited)
                    .render();
            report.forEach(System.out::println);
            System.out.flush();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs
            }
            if (keepData) {
                progress("kept the computes' mount points and Postgres logs in " + started.computes);
            } else {
                BenchDataDir.deleteTree(started.computes);
            }
        }
    }

    // ---------------------------------------------------------------- phases

    private void headBranches() throws Exception {
        progress("head: " + warmup + " unmeasured, then " + branches + " measured branches per project at main's head, "
                + "main's compute running, projects interleaved");
        for (int i = 0; i < warmup; i++) {
            for (ProjectRun p : projects) {
                create(p, String.format(Locale.ROOT, "w-%03d", i), null, null);
            }
        }
        for (int i = 0; i < branches; i++) {
            for (ProjectRun p : projects) {
                long nanos = create(p, String.format(Locale.ROOT, "h-%04d", i), null, null);
                p.headRunning.add(nanos);
                p.headSeries.add(nanos);
            }
            if ((i + 1) % 100 == 0 || i + 1 == branches) {
                stack.checkNodesAlive();
                StringBuilder b = new StringBuilder("head: " + (i + 1) + "/" + branches + " per project;");
                for (ProjectRun p : projects) {
                    b.append(String.format(
                            Locale.ROOT,
                            " %s p50 %.1f ms",
                            p.name,
                            p.headRunning.summary().p50() / 1e6));
                }
                progress(b.toString());
            }
        }
    }

    private void stepBranches(Steps steps) throws Exception {
        if (stepBranches == 0) {
            return;
        }
        progress("steps: " + stepBranches + " branches per project made step by step (the control plane's steps, "
                + "through the same clients, each timed)");
        for (int i = 0; i < stepBranches; i++) {
            for (ProjectRun p : projects) {
                ensureRoom(p, 1);
                String name = String.format(Locale.ROOT, "d-%03d", i);
                CatalogModel.Branch b = steps.create(p, name, true, p.steps, p.stepsTotal);
                track(p, name, b.timeline().id().hex());
            }
        }
    }

    private void pointBranches() throws Exception {
        if (lsnBranches + timeBranches == 0) {
            return;
        }
        progress("points: " + lsnBranches + " branches per project at LSNs and " + timeBranches
                + " at times spread over the pgbench load");
        for (int i = 0; i < lsnBranches; i++) {
            for (ProjectRun p : projects) {
                long lo = p.lsnBeforeLoad.value();
                long x = lo + (p.lsnAfterLoad.value() - lo) * (i + 1) / (lsnBranches + 1);
                p.atLsn.add(create(p, String.format(Locale.ROOT, "l-%03d", i), Lsn.of(x), null));
                Lsn fork = Lsn.parse(
                        branch(p, String.format(Locale.ROOT, "l-%03d", i)).forkLsn());
                if (fork.value() > x || fork.value() < lo) {
                    throw new IllegalStateException("branch l-" + i + " of " + p.name + " asked at " + Lsn.of(x)
                            + " forked at " + fork + ", outside [" + p.lsnBeforeLoad + ", " + Lsn.of(x) + "]");
                }
            }
        }
        for (int i = 0; i < timeBranches; i++) {
            for (ProjectRun p : projects) {
                long lo = p.timeBeforeLoad.toEpochMilli();
                Instant t =
                        Instant.ofEpochMilli(lo + (p.timeAfterLoad.toEpochMilli() - lo) * (i + 1) / (timeBranches + 1));
                String name = String.format(Locale.ROOT, "t-%03d", i);
                p.atTime.add(create(p, name, null, t));
                Lsn fork = Lsn.parse(branch(p, name).forkLsn());
                if (fork.value() < p.lsnBeforeLoad.value() || fork.value() > p.lsnAfterLoad.value()) {
                    throw new IllegalStateException("branch " + name + " of " + p.name + " at " + t + " forked at "
                            + fork + ", outside the load's WAL [" + p.lsnBeforeLoad + ", " + p.lsnAfterLoad + "]");
                }
            }
        }
    }

    private void computeStarts() throws Exception {
        if (starts == 0) {
            return;
        }
        progress("starts: " + starts + " new branches per project: compute/start, then psql SELECT 1 over TCP");
        for (int i = 0; i < starts; i++) {
            for (ProjectRun p : projects) {
                String name = String.format(Locale.ROOT, "c-%d", i);
                create(p, name, null, null);
                ProjectRun.Start s = startAndQuery(p, name);
                p.newBranchStarts.add(s);
                progress(String.format(
                        Locale.ROOT,
                        "starts: %s %s first query %.2f s after compute/start (compute %d ms,"
                                + " Postgres %d ms, redo %d ms; first SELECT 1 %.2f s with %d GetBlocks calls, %d of them waited for "
                                + "ingestion; again %.2f s)",
                        p.name,
                        name,
                        s.totalNanos() / 1e9,
                        s.computeMillis(),
                        s.postgresMillis(),
                        s.redoMillis(),
                        s.queryNanos() / 1e9,
                        s.queryReads().calls(),
                        s.queryReads().waited(),
                        s.againNanos() / 1e9));
                stopCompute(p, name);
            }
        }
    }

    private void mainRestarts() throws Exception {
        if (restarts == 0) {
            return;
        }
        progress("restarts: " + restarts + " clean restarts of main's compute per project");
        for (int i = 0; i < restarts; i++) {
            for (ProjectRun p : projects) {
                p.mainStops.add(stopCompute(p, "main"));
                ProjectRun.Start s = startAndQuery(p, "main");
                p.mainRestarts.add(s);
                progress(String.format(
                        Locale.ROOT,
                        "restarts: %s main first query %.2f s after compute/start (first "
                                + "SELECT 1 %.2f s with %d GetBlocks calls, %d waited; again %.2f s)",
                        p.name,
                        s.totalNanos() / 1e9,
                        s.queryNanos() / 1e9,
                        s.queryReads().calls(),
                        s.queryReads().waited(),
                        s.againNanos() / 1e9));
            }
        }
    }

    private void stoppedBranches(Steps steps) throws Exception {
        if (stoppedBranches + stoppedStepBranches == 0) {
            return;
        }
        progress("stopped: " + stoppedBranches + " branches per project at main's head with main's compute stopped, "
                + "then " + stoppedStepBranches + " step by step");
        for (ProjectRun p : projects) {
            stopCompute(p, "main");
        }
        for (int i = 0; i < stoppedBranches; i++) {
            for (ProjectRun p : projects) {
                p.headStopped.add(create(p, String.format(Locale.ROOT, "s-%03d", i), null, null));
            }
        }
        for (int i = 0; i < stoppedStepBranches; i++) {
            for (ProjectRun p : projects) {
                ensureRoom(p, 1);
                String name = String.format(Locale.ROOT, "e-%03d", i);
                CatalogModel.Branch b = steps.create(p, name, false, p.stoppedSteps, p.stoppedStepsTotal);
                track(p, name, b.timeline().id().hex());
            }
        }
    }

    // ---------------------------------------------------------------- API calls

    /** Creates a branch of main (head, LSN or time) through the API; returns the call's wall time. */
    private long create(ProjectRun p, String name, Lsn lsn, Instant time) throws Exception {
        ensureRoom(p, 1);
        long t0 = System.nanoTime();
        Views.Branch b = rest.post(
                p.branches(),
                new Views.CreateBranch(
                        name, "main", lsn == null ? null : lsn.toString(), time == null ? null : time.toString(), null),
                Views.Branch.class);
        long nanos = System.nanoTime() - t0;
        if (!name.equals(b.name()) || !"main".equals(b.parent()) || b.forkLsn() == null || b.timeline() == null) {
            throw new IllegalStateException("POST " + p.branches() + " for " + name + " answered " + b);
        }
        track(p, name, b.timeline());
        return nanos;
    }

    private void track(ProjectRun p, String name, String timeline) {
        p.live.put(name, timeline);
        p.unlisted.add(name);
        p.created++;
    }

    private Views.Branch branch(ProjectRun p, String name) {
        return rest.get(p.branch(name), Views.Branch.class);
    }

    /** Starts the branch's compute through the API and times it until psql's SELECT 1 over TCP answers. */
    private ProjectRun.Start startAndQuery(ProjectRun p, String name) {
        Stack.Reads r0 = stack.reads();
        long t0 = System.nanoTime();
        Views.Branch b;
        try {
            b = rest.post(p.branch(name) + "/compute/start", null, Views.Branch.class);
        } catch (IllegalStateException e) {
            throw withPortOwners(e);
        }
        long t1 = System.nanoTime();
        Stack.Reads r1 = stack.reads();
        if (!"RUNNING".equals(b.compute().state()) || b.compute().port() == null) {
            throw new IllegalStateException("compute/start of " + p.name + "/" + name + " answered " + b.compute());
        }
        String one = Pg.sql(b.compute().port(), "SELECT 1");
        long t2 = System.nanoTime();
        Stack.Reads r2 = stack.reads();
        String again = Pg.sql(b.compute().port(), "SELECT 1");
        long t3 = System.nanoTime();
        if (!"1".equals(one) || !"1".equals(again)) {
            throw new IllegalStateException(
                    "SELECT 1 on " + p.name + "/" + name + " answered '" + one + "', then '" + again + "'");
        }
        if (name.equals("main")) {
            p.mainPort = b.compute().port();
        }
        Matcher m = READY_IN.matcher(
                b.compute().message() == null ? "" : b.compute().message());
        long computeMillis = m.find() ? Long.parseLong(m.group(1)) : -1;
        PgLog.LastStart log = PgLog.lastStart(
                stack.computes.resolve(b.timeline()).resolve("work").resolve("postgres.log"));
        return new ProjectRun.Start(
                t2 - t0,
                t1 - t0,
                t2 - t1,
                computeMillis,
                log.startToReadyMillis(),
                log.redoMillis(),
                log.endOfRecoveryCheckpointMillis(),
                t3 - t2,
                r1.minus(r0),
                r2.minus(r1));
    }

    /** A compute that could not bind its port: say who holds it (ss), for the bug report. */
    private static IllegalStateException withPortOwners(IllegalStateException e) {
        Matcher m = Pattern.compile("running on port (\\d+)").matcher(String.valueOf(e.getMessage()));
        if (!m.find()) {
            return e;
        }
        String ss;
        try {
            ss = io.ramify.testsupport.Processes.exec(
                            List.of("ss", "-tanp", "sport = :" + m.group(1)), Duration.ofSeconds(10), null, Map.of())
                    .stdout();
        } catch (RuntimeException x) {
            ss = "(ss failed: " + x.getMessage() + ")";
        }
        return new IllegalStateException(e.getMessage() + "\nsockets on port " + m.group(1) + " now:\n" + ss, e);
    }

    private long stopCompute(ProjectRun p, String name) {
        long t0 = System.nanoTime();
        Views.Branch b = rest.post(p.branch(name) + "/compute/stop", null, Views.Branch.class);
        long nanos = System.nanoTime() - t0;
        if (!"STOPPED".equals(b.compute().state())) {
            throw new IllegalStateException("compute/stop of " + p.name + "/" + name + " answered " + b.compute());
        }
        return nanos;
    }

    /**
     * Makes room for {@code more} branches under the catalog's limit: once the listing has shown
     * every branch so far, deletes the oldest this run created, at least {@link #DELETE_BATCH}.
     */
    private void ensureRoom(ProjectRun p, int more) throws Exception {
        if (1 + p.live.size() + more <= maxLive) {
            return;
        }
        verifyListing(p);
        int target = Math.max(DELETE_BATCH, 1 + p.live.size() + more - maxLive);
        progress(p.name + ": " + (1 + p.live.size()) + " branches, " + maxLive + " at most (the catalog's limit is "
                + BRANCH_LIMIT + "); all listed, deleting the oldest " + target);
        for (int i = 0; i < target; i++) {
            String name = p.live.firstEntry().getKey();
            long t0 = System.nanoTime();
            Views.DeleteResult d = rest.delete(p.branch(name), Views.DeleteResult.class);
            p.deletes.add(System.nanoTime() - t0);
            if (!name.equals(d.deleted()) || !p.live.get(name).equals(d.timeline())) {
                throw new IllegalStateException("DELETE " + p.branch(name) + " answered " + d);
            }
            p.live.remove(name);
            p.deleted.add(name);
        }
    }

    /** Every branch this run created and kept is listed, with its timeline; none it deleted is; nothing else. */
    private void verifyListing(ProjectRun p) {
        List<Views.Branch> listed = rest.get(p.branches() + "?sizes=false", new TypeReference<List<Views.Branch>>() {});
        Map<String, Views.Branch> byName = new HashMap<>();
        listed.forEach(b -> byName.put(b.name(), b));
        for (Map.Entry<String, String> e : p.live.entrySet()) {
            Views.Branch b = byName.get(e.getKey());
            if (b == null || !e.getValue().equals(b.timeline()) || !"main".equals(b.parent())) {
                throw new IllegalStateException("GET " + p.branches() + " does not list branch " + e.getKey()
                        + " (timeline " + e.getValue() + ", parent main) as created: " + b);
            }
        }
        for (String d : p.deleted) {
            if (byName.containsKey(d)) {
                throw new IllegalStateException("GET " + p.branches() + " still lists deleted branch " + d);
            }
        }
        if (listed.size() != p.live.size() + 1 || !byName.containsKey("main")) {
            throw new IllegalStateException("GET " + p.branches() + " lists " + listed.size()
                    + " branches, expected main" + " and the " + p.live.size() + " this run created and kept");
        }
        p.unlisted.clear();
        p.listingsChecked++;
    }

    /** Times the listing as a user gets it by default, with sizes (usage and logical size per branch). */
    private void fullListing(ProjectRun p) {
        long t0 = System.nanoTime();
        List<Views.Branch> all = rest.get(p.branches(), new TypeReference<List<Views.Branch>>() {});
        p.fullListingNanos = System.nanoTime() - t0;
        p.fullListingBranches = all.size();
        if (all.size() != p.live.size() + 1) {
            throw new IllegalStateException(
                    "GET " + p.branches() + " lists " + all.size() + " branches, expected " + (p.live.size() + 1));
        }
        progress(String.format(
                Locale.ROOT,
                "%s: GET %s with sizes took %.1f s for %d branches",
                p.name,
                p.branches(),
                p.fullListingNanos / 1e9,
                all.size()));
    }

    static void progress(String message) {
        System.err.println("[branch-create] " + message);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new BranchCreateBench()).execute(args);
        // Ratis, gRPC and FUSE leave non-daemon threads behind after close; do not wait for them.
        System.exit(code);
    }
}
