package io.ramify.bench.compute;

import com.codahale.metrics.MetricRegistry;
import io.ramify.bench.BenchDataDir;
import io.ramify.bench.BenchServers;
import io.ramify.bench.MachineFacts;
import io.ramify.cluster.LocalCluster;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import io.ramify.wal.client.WalClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Stock Postgres 15 as a Ramify compute on a real storage cluster (three ratis-wal node processes,
 * two page-store shards) next to the same Postgres on the local disk with the same settings, in
 * one run on one machine: pgbench load, read-write and read-only throughput and latency, start
 * times (clean restart, crash, fork), and the compute's own figures of where the time went. Every
 * run is checked (no failed transaction, pgbench's balance invariant, every committed transaction
 * present after a crash and in a fork); a failed check ends the run with an error, not figures.
 */
@Command(
        name = "compute",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmarks stock Postgres 15 as a Ramify compute (3 ratis-wal node JVMs,",
            "2 page-store shards, FUSE) against the same Postgres on the local disk:",
            "pgbench load, throughput and latency, start times, and a profile.",
            "Runs as root (Postgres runs as the OS user postgres).",
            "Progress on stderr, a markdown report on stdout."
        })
public final class ComputeBench implements Callable<Integer> {
    /** Settings both servers must share for the comparison to be fair; the report lists them. */
    public static final List<String> SETTINGS = List.of(
            "shared_buffers",
            "max_connections",
            "max_wal_size",
            "min_wal_size",
            "checkpoint_timeout",
            "wal_level",
            "fsync",
            "synchronous_commit",
            "full_page_writes",
            "wal_sync_method",
            "wal_compression",
            "wal_recycle",
            "wal_init_zero",
            "data_checksums",
            "dynamic_shared_memory_type",
            "recovery_init_sync_method",
            "data_sync_retry");

    static final List<String> PGBENCH_RELATIONS = List.of(
            "pgbench_accounts",
            "pgbench_accounts_pkey",
            "pgbench_branches",
            "pgbench_branches_pkey",
            "pgbench_tellers",
            "pgbench_tellers_pkey",
            "pgbench_history");
    static final List<String> SAMPLED_GAUGES = List.of("adapter.ops.not_durable", "adapter.fuse.in_progress");

    @Option(names = "--scale", paramLabel = "S", description = "pgbench scale factor (default: ${DEFAULT-VALUE}).")
    int scale = 10;

    @Option(names = "--clients", paramLabel = "C", description = "pgbench clients (default: ${DEFAULT-VALUE}).")
    int clients = 4;

    @Option(names = "--threads", paramLabel = "J", description = "pgbench threads (default: ${DEFAULT-VALUE}).")
    int threads = 2;

    @Option(
            names = "--seconds",
            paramLabel = "D",
            description = "Duration of each pgbench run, read-write and read-only (default: ${DEFAULT-VALUE}).")
    int seconds = 60;

    @Option(
            names = "--restarts",
            paramLabel = "N",
            description = "Clean restarts timed on each system (default: ${DEFAULT-VALUE}).")
    int restarts = 2;

    @Option(
            names = "--idle-forks",
            paramLabel = "N",
            description = "Forks of the idle compute timed at the end (default: ${DEFAULT-VALUE}).")
    int idleForks = 1;

    @Option(
            names = "--no-drop-caches",
            description = "Do not drop the OS page cache before the prewarm reads (it affects the whole machine).")
    boolean noDropCaches;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = {
                "Parent of the run's fresh data directory, deleted afterwards; not a tmpfs "
                        + "(default: bench/target in the repository, else the JVM's temp dir)."
            })
    Path dataParent;

    @Option(names = "--keep-data", description = "Keep the run's data directory (logs of every server are there).")
    boolean keepData;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Everything the report shows, filled in as the run goes. */
    static final class Results {
        List<String[]> settings;
        String pgbenchVersion;
        final List<Starts.Sample> starts = new ArrayList<>();
        Pgbench.Init initVanilla;
        Pgbench.Init initRamify;
        double prewarmVanillaSeconds;
        double prewarmRamifySeconds;
        String cacheDrop;
        final List<Measured> runs = new ArrayList<>();
    }

    /**
     * One measured step with what it cost: a timed pgbench run ({@code pgbench} null for
     * {@code pgbench -i}), its wall seconds, CPU, and for Ramify the compute's profile.
     */
    record Measured(
            String run,
            String system,
            Pgbench.Run pgbench,
            double seconds,
            CpuMeter.Usage cpu,
            RamifyProfile profile) {}

    /** The step {@link #measure} times. */
    interface Step {
        Pgbench.Run run() throws Exception;
    }

    /** The compute's and the shards' figures over one run. */
    record RamifyProfile(
            List<Profile.TimerRow> timers,
            Map<String, Long> counters,
            Map<String, double[]> gauges,
            List<Profile.TimerRow> shardTimers,
            Map<String, Long> shardCounters) {}

    @Override
    public Integer call() throws Exception {
        if (scale < 1
                || clients < 1
                || threads < 1
                || threads > clients
                || seconds < 1
                || restarts < 1
                || idleForks < 0) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "scale, clients, seconds and restarts must be "
                            + "positive, threads between 1 and clients, idle forks not negative");
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "run as root: Postgres runs as the OS user "
                            + "postgres (runuser, setpriv), and FUSE mounts with allow_other");
        }
        BenchDataDir.run("compute-", dataParent, keepData, ComputeBench::progress, this::run);
        return 0;
    }

    private void run(Path dir, Path root) throws Exception {
        if (Files.getFileStore(dir).type().equals("tmpfs")) {
            progress("WARNING: " + dir + " is on tmpfs; vanilla's fsyncs cost nothing there");
        }
        allowTraversal(dir);
        Path logs = Files.createDirectories(dir.resolve("pgbench-logs"));
        Processes.run(List.of("chown", VanillaPostgres.OS_USER + ":", logs.toString()), Duration.ofSeconds(10));
        MachineFacts facts = MachineFacts.collect(dir, root);
        Results res = new Results();
        res.pgbenchVersion = Pgbench.version().orElse("pgbench (version unknown)");
        progress("starting 3 ratis-wal node processes and 2 page-store shards");
        try (LocalCluster cluster = Storage.start(dir.resolve("cluster"), false);
                WalClient wal = cluster.walClient();
                Sides.Ramify ramify = new Sides.Ramify(cluster, wal, dir.resolve("ramify"));
                Sides.Vanilla vanilla = new Sides.Vanilla(dir.resolve("vanilla"))) {
            body(ramify, vanilla, logs, res);
            progress("stopping (Ratis may warn about cancelled streams as peers go away; that is expected)");
        }
        String command = ("bench/compute "
                        + String.join(" ", spec.commandLine().getParseResult().originalArgs()))
                .trim();
        ComputeReport.render(facts, command, this, res).forEach(System.out::println);
    }

    private void body(Sides.Ramify ramify, Sides.Vanilla vanilla, Path logs, Results res) throws Exception {
        Sql.warmUp();
        progress("first starts: vanilla after initdb; Ramify creates a root timeline and runs initdb -k through FUSE");
        res.starts.add(vanilla.start("first start after initdb"));
        res.starts.add(ramify.create());
        res.settings = Sides.sameSettings(vanilla.endpoint, ramify.endpoint(), SETTINGS);

        String init = "pgbench -i -s " + scale;
        res.runs.add(measure(init, "vanilla", vanilla.postmasterPid(), null, ramify, () -> {
            res.initVanilla = Pgbench.init(vanilla.endpoint, scale, logs);
            return null;
        }));
        res.runs.add(measure(init, "Ramify", ramify.postmasterPid(), ramify.metrics(), ramify, () -> {
            res.initRamify = Pgbench.init(ramify.endpoint(), scale, logs);
            return null;
        }));
        for (Endpoint e : List.of(vanilla.endpoint, ramify.endpoint())) {
            long accounts = Long.parseLong(Sql.one(e, "SELECT count(*) FROM pgbench_accounts"));
            if (accounts != 100_000L * scale) {
                throw new IllegalStateException(
                        e.name() + " holds " + accounts + " accounts after pgbench -i -s " + scale);
            }
            Sql.checkInvariant(e, 0, "after pgbench -i");
        }

        for (int i = 1; i <= restarts; i++) {
            String what = i == 1
                    ? "clean restart after pgbench -i (its shutdown checkpoint writes the load)"
                    : "clean restart, nothing to write";
            progress("restart " + i + "/" + restarts + ": vanilla, then Ramify");
            res.starts.add(vanilla.restart(what));
            res.starts.add(ramify.restart(what));
        }

        prewarm(ramify, vanilla, res);

        List<String> rw = List.of("-n", "-c", Integer.toString(clients), "-j", Integer.toString(threads));
        Measured rwVanilla = measure(
                "read-write",
                "vanilla",
                vanilla.postmasterPid(),
                null,
                ramify,
                () -> pgbench(vanilla.endpoint, "vanilla-rw", logs, rw));
        Measured rwRamify = measure(
                "read-write",
                "Ramify",
                ramify.postmasterPid(),
                ramify.metrics(),
                ramify,
                () -> pgbench(ramify.endpoint(), "ramify-rw", logs, rw));
        res.runs.add(rwVanilla);
        res.runs.add(rwRamify);
        long rowsVanilla = rwVanilla.pgbench().processed();
        long rowsRamify = rwRamify.pgbench().processed();
        Sql.checkInvariant(vanilla.endpoint, rowsVanilla, "after the read-write run");
        Sql.checkInvariant(ramify.endpoint(), rowsRamify, "after the read-write run");

        progress("fork of the compute's timeline at its durable head, right after the read-write run");
        res.starts.add(ramify.fork("fork at the durable head right after the read-write run", rowsRamify));
        progress("kill -9 of each Postgres right after the read-write run, then start (crash recovery)");
        res.starts.add(vanilla.crash("kill -9 right after the read-write run, then start"));
        Sql.checkInvariant(vanilla.endpoint, rowsVanilla, "after kill -9 and recovery");
        progress("  (the compute's supervisor logs Postgres's unexpected exit as an ERROR next: that is the test)");
        res.starts.add(
                ramify.crash("kill -9 of its Postgres right after the read-write run; the supervisor restarts it"));
        Sql.checkInvariant(ramify.endpoint(), rowsRamify, "after kill -9 and recovery");

        List<String> ro = new ArrayList<>(List.of("-S"));
        ro.addAll(rw);
        res.runs.add(measure(
                "read-only (-S)",
                "vanilla",
                vanilla.postmasterPid(),
                null,
                ramify,
                () -> pgbench(vanilla.endpoint, "vanilla-ro", logs, ro)));
        res.runs.add(measure(
                "read-only (-S)",
                "Ramify",
                ramify.postmasterPid(),
                ramify.metrics(),
                ramify,
                () -> pgbench(ramify.endpoint(), "ramify-ro", logs, ro)));

        for (int i = 1; i <= idleForks; i++) {
            progress("fork " + i + "/" + idleForks + " of the idle compute at its durable head");
            res.starts.add(ramify.fork("fork at the durable head of the idle compute", rowsRamify));
        }
        Sql.checkInvariant(vanilla.endpoint, rowsVanilla, "at the end");
        Sql.checkInvariant(ramify.endpoint(), rowsRamify, "at the end");
    }

    /**
     * Reads every block of pgbench's tables and indexes once with pg_prewarm's 'read' mode (into
     * the OS page cache, not shared buffers), from a cold cache: for Ramify that is the mount's
     * first read of each block, through the adapter and GetBlock.
     */
    private void prewarm(Sides.Ramify ramify, Sides.Vanilla vanilla, Results res) throws Exception {
        StringBuilder q = new StringBuilder("SELECT sum(pg_prewarm(c, 'read')) FROM unnest(array[");
        for (int i = 0; i < PGBENCH_RELATIONS.size(); i++) {
            q.append(i == 0 ? "" : ",")
                    .append('\'')
                    .append(PGBENCH_RELATIONS.get(i))
                    .append("'::regclass");
        }
        q.append("]) c");
        for (Endpoint e : List.of(vanilla.endpoint, ramify.endpoint())) {
            Sql.exec(e, "CREATE EXTENSION IF NOT EXISTS pg_prewarm");
        }
        res.cacheDrop = dropCaches();
        long t = System.nanoTime();
        String blocks = Sql.one(vanilla.endpoint, q.toString());
        res.prewarmVanillaSeconds = (System.nanoTime() - t) / 1e9;
        dropCaches();
        t = System.nanoTime();
        String blocksRamify = Sql.one(ramify.endpoint(), q.toString());
        res.prewarmRamifySeconds = (System.nanoTime() - t) / 1e9;
        progress(String.format(
                Locale.ROOT,
                "prewarm: vanilla read %s blocks in %.1f s, Ramify %s in %.1f s",
                blocks,
                res.prewarmVanillaSeconds,
                blocksRamify,
                res.prewarmRamifySeconds));
    }

    /** {@code sync; echo 3 > /proc/sys/vm/drop_caches}; says what happened. */
    private String dropCaches() {
        if (noDropCaches) {
            return "not dropped (--no-drop-caches)";
        }
        try {
            Processes.run(List.of("sync"), Duration.ofMinutes(2));
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            return "dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before each";
        } catch (IOException | RuntimeException e) {
            progress("could not drop the page cache: " + e.getMessage());
            return "could not be dropped (" + e.getMessage() + ")";
        }
    }

    private Pgbench.Run pgbench(Endpoint e, String label, Path logs, List<String> args) throws IOException {
        progress(e.name() + ": pgbench " + String.join(" ", args) + " -T " + seconds);
        Pgbench.Run r = Pgbench.run(e, logs, label, seconds, args);
        progress(String.format(
                Locale.ROOT,
                "  %.0f TPS, latency average %.3f ms, %d transactions, none failed",
                r.tps(),
                r.latencyAverageMs(),
                r.processed()));
        return r;
    }

    /**
     * Runs {@code step} with CPU accounting and, when {@code compute} is given (Ramify), the
     * compute's and the shards' figures before and after it and its gauges sampled throughout.
     */
    private Measured measure(
            String run, String system, long postmaster, MetricRegistry compute, Sides.Ramify ramify, Step step)
            throws Exception {
        progress(run + " on " + system);
        List<PageStoreServer> shards = Storage.shardServers(ramify.cluster);
        List<Long> walPids = BenchServers.pids(ramify.cluster.walNodes());
        Profile.Counts before = compute == null ? null : Profile.Counts.of(compute, "");
        Profile.Counts shardsBefore = shardCounts(shards);
        GaugeSampler sampler = compute == null ? null : new GaugeSampler(compute, SAMPLED_GAUGES);
        CpuMeter.Sample c0 = CpuMeter.sample(postmaster, walPids);
        Pgbench.Run r;
        try {
            r = step.run();
        } finally {
            if (sampler != null) {
                sampler.close();
            }
        }
        CpuMeter.Sample c1 = CpuMeter.sample(postmaster, walPids);
        double secs = (c1.nanos() - c0.nanos()) / 1e9;
        if (r == null) {
            progress(String.format(Locale.ROOT, "  %.1f s", secs));
        }
        RamifyProfile profile = null;
        if (compute != null) {
            Profile.Counts after = Profile.Counts.of(compute, "");
            Profile.Counts shardsAfter = shardCounts(shards);
            List<Profile.TimerRow> shardTimers = new ArrayList<>();
            Map<String, Long> shardCounters = new java.util.TreeMap<>();
            for (int i = 0; i < shards.size(); i++) {
                shardTimers.addAll(Profile.timers(shards.get(i).metrics(), shardPrefix(i), shardsBefore, shardsAfter));
                shardCounters.putAll(
                        Profile.counterDeltas(shards.get(i).metrics(), shardPrefix(i), shardsBefore, shardsAfter));
            }
            profile = new RamifyProfile(
                    Profile.timers(compute, "", before, after),
                    Profile.counterDeltas(compute, "", before, after),
                    sampler.result(),
                    shardTimers,
                    shardCounters);
        }
        return new Measured(run, system, r, secs, CpuMeter.between(c0, c1), profile);
    }

    private static String shardPrefix(int i) {
        return "shard " + i + ": ";
    }

    private static Profile.Counts shardCounts(List<PageStoreServer> shards) {
        Map<String, Long> all = new java.util.TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            all.putAll(
                    Profile.Counts.of(shards.get(i).metrics(), shardPrefix(i)).counts());
        }
        return new Profile.Counts(all);
    }

    /** The postgres user must be able to walk down to the mounts and its directories. */
    public static void allowTraversal(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    static void progress(String message) {
        System.err.println("[compute] " + message);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new ComputeBench()).execute(args);
        // Ratis and gRPC leave non-daemon threads behind after close; do not wait for them.
        System.exit(code);
    }
}
