package io.ramify.bench.writepath;

import io.ramify.bench.BenchDataDir;
import io.ramify.bench.Latencies;
import io.ramify.bench.MachineFacts;
import io.ramify.bench.compute.ComputeBench;
import io.ramify.bench.compute.CpuMeter;
import io.ramify.bench.compute.Endpoint;
import io.ramify.bench.compute.Pgbench;
import io.ramify.bench.compute.Sides;
import io.ramify.bench.compute.Sql;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The write path of one commit, compared in one run on one machine: stock Postgres 15 alone,
 * stock Postgres with two synchronous standbys (a quorum of one), and Postgres as a Ramify compute.
 * For each workload (the load, read-write at each client count, select-only) every configuration
 * runs back to back, the order reversed on every other repetition; each run is preceded by a
 * warm-up and checked (no failed transaction, pgbench's balance invariant, the history's row
 * count, on the standbys too), and each read-write run is followed by a timed CHECKPOINT. Prints
 * per run TPS, latency, CPU per committed transaction per process group, Raft entries, fdatasyncs
 * per node and bytes appended per transaction, FUSE fsync waits, and the targets of issue 12.
 */
@Command(
        name = "write-path",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Compares the cost of a commit on vanilla Postgres 15,",
            "vanilla with 2 synchronous standbys (ANY 1) and a Ramify compute:",
            "TPS, latency, CPU per transaction per process, Raft entries,",
            "fdatasyncs and bytes per transaction, FUSE fsync waits, CHECKPOINT.",
            "Runs as root (Postgres runs as the OS user postgres).",
            "Progress on stderr, a markdown report on stdout."
        })
public final class WritePathBench implements Callable<Integer> {
    static final List<String> CONFIGS = List.of(VanillaSetup.KEY, StandbysSetup.KEY, RamifySetup.KEY);

    @Option(names = "--scale", paramLabel = "S", description = "pgbench scale factor (default: ${DEFAULT-VALUE}).")
    int scale = 10;

    @Option(
            names = "--seconds",
            paramLabel = "D",
            description = "Duration of each measured pgbench run (default: ${DEFAULT-VALUE}).")
    int seconds = 60;

    @Option(
            names = "--warmup-seconds",
            paramLabel = "W",
            description = {
                "pgbench run, same workload, before each measured run, and one pgbench -i before the first "
                        + "measured -i (its time is reported as the load on fresh servers); 0: none (default: ${DEFAULT-VALUE})."
            })
    int warmupSeconds = 10;

    @Option(
            names = "--configs",
            paramLabel = "LIST",
            split = ",",
            description = "Configurations, from vanilla,standbys,ramify (default: all three).")
    List<String> configs = CONFIGS;

    @Option(
            names = "--clients",
            paramLabel = "LIST",
            split = ",",
            description = {
                "Client counts of the read-write runs, pgbench -j = half of them (at least 1); "
                        + "select-only runs at the largest (default: 1,4)."
            })
    List<Integer> clients = List.of(1, 4);

    @Option(
            names = "--repetitions",
            paramLabel = "R",
            description = "Times each workload runs on each configuration, the order reversed every other time "
                    + "(default: ${DEFAULT-VALUE}).")
    int repetitions = 2;

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

    /** What the report shows besides the measurements. */
    record Context(
            MachineFacts facts,
            String command,
            String pgbenchVersion,
            List<String[]> settings,
            Optional<String> syncsUnavailable,
            List<String> titles,
            int ramifyGroup) {}

    @Override
    public Integer call() throws Exception {
        if (scale < 1
                || seconds < 1
                || warmupSeconds < 0
                || repetitions < 1
                || clients.isEmpty()
                || clients.stream().anyMatch(c -> c < 1)
                || configs.isEmpty()
                || !CONFIGS.containsAll(configs)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "scale, seconds, repetitions and clients must be "
                            + "positive, warm-up not negative, configs among " + CONFIGS);
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "run as root: Postgres runs as the OS user "
                            + "postgres (runuser), FUSE mounts with allow_other, perf attaches to other users' processes");
        }
        BenchDataDir.run("write-path-", dataParent, keepData, WritePathBench::progress, this::run);
        return 0;
    }

    private void run(Path dir, Path root) throws Exception {
        if (Files.getFileStore(dir).type().equals("tmpfs")) {
            progress("WARNING: " + dir + " is on tmpfs; vanilla's fsyncs cost nothing there");
        }
        ComputeBench.allowTraversal(dir);
        Path logs = Files.createDirectories(dir.resolve("pgbench-logs"));
        Processes.run(List.of("chown", VanillaPostgres.OS_USER + ":", logs.toString()), Duration.ofSeconds(10));
        Path perfDir = Files.createDirectories(dir.resolve("perf"));
        MachineFacts facts = MachineFacts.collect(dir, root);
        disk = io.ramify.bench.DiskMeter.of(dir);
        progress("disk writes: /proc/diskstats of " + (disk.device().isEmpty() ? "(device not found)" : disk.device())
                + ", the whole machine's");
        Optional<String> noSyncs = SyncCounter.unavailableReason();
        noSyncs.ifPresentOrElse(
                r -> progress("fdatasync counts unavailable: " + r),
                () -> progress("perf counts fdatasync/fsync calls"));
        Sql.warmUp();
        List<Setup> setups = new ArrayList<>();
        try {
            for (String c : CONFIGS) {
                if (configs.contains(c)) {
                    progress("starting " + c);
                    setups.add(
                            switch (c) {
                                case VanillaSetup.KEY ->
                                    new VanillaSetup(Files.createDirectories(dir.resolve("vanilla")));
                                case StandbysSetup.KEY ->
                                    new StandbysSetup(Files.createDirectories(dir.resolve("standbys")));
                                default -> new RamifySetup(Files.createDirectories(dir.resolve("ramify")));
                            });
                }
            }
            List<String[]> settings = Sides.sameSettings(
                    setups.getFirst().endpoint(), setups.getLast().endpoint(), ComputeBench.SETTINGS);
            for (Setup s : setups) {
                Sides.sameSettings(setups.getFirst().endpoint(), s.endpoint(), ComputeBench.SETTINGS);
            }
            List<Measurement> ms = body(setups, logs, noSyncs.isEmpty() ? perfDir : null);
            int group = setups.stream()
                    .filter(s -> s instanceof RamifySetup)
                    .map(s -> ((RamifySetup) s).timelineGroup())
                    .findFirst()
                    .orElse(-1);
            String command = ("bench/write-path "
                            + String.join(
                                    " ", spec.commandLine().getParseResult().originalArgs()))
                    .trim();
            Context ctx = new Context(
                    facts,
                    command,
                    Pgbench.version().orElse("pgbench (version unknown)"),
                    settings,
                    noSyncs,
                    setups.stream().map(Setup::title).toList(),
                    group);
            progress("stopping (Ratis may warn about cancelled streams as peers go away; that is expected)");
            WritePathReport.render(ctx, this, ms).forEach(System.out::println);
        } finally {
            for (Setup s : setups.reversed()) {
                try {
                    s.close();
                } catch (Exception e) {
                    progress("stopping " + s.key() + ": " + e.getMessage());
                }
            }
        }
    }

    /** The workloads in order; each one on every configuration, back to back, R times. */
    List<Workload> workloads() {
        List<Workload> w = new ArrayList<>(List.of(Workload.of(Workload.Kind.LOAD, 1)));
        clients.forEach(c -> w.add(Workload.of(Workload.Kind.READ_WRITE, c)));
        w.add(Workload.of(
                Workload.Kind.READ_ONLY,
                clients.stream().mapToInt(Integer::intValue).max().orElseThrow()));
        return w;
    }

    private List<Measurement> body(List<Setup> setups, Path logs, Path perfDir) throws Exception {
        Map<String, Long> history = new HashMap<>();
        List<Measurement> out = new ArrayList<>();
        for (Workload w : workloads()) {
            for (int rep = 1; rep <= repetitions; rep++) {
                List<Setup> order = rep % 2 == 1 ? setups : setups.reversed();
                for (Setup s : order) {
                    progress(w.title(scale, seconds) + ", repetition " + rep + "/" + repetitions + ": " + s.title());
                    out.add(step(w, s, rep, logs, perfDir, history));
                }
            }
        }
        return out;
    }

    /** Warm-up, then one measured step of {@code w} on {@code s}, then its checks and CHECKPOINT. */
    /** The data directory's disk, whose writes each step reports. */
    private io.ramify.bench.DiskMeter disk;

    private Measurement step(Workload w, Setup s, int rep, Path logs, Path perfDir, Map<String, Long> history)
            throws Exception {
        s.checkReady();
        String label = s.key() + "-" + w.label() + "-" + rep;
        if (w.kind() != Workload.Kind.LOAD && warmupSeconds > 0) {
            Pgbench.Run warm = Pgbench.run(s.endpoint(), logs, label + "-warmup", warmupSeconds, w.args());
            if (w.kind() == Workload.Kind.READ_WRITE) {
                history.merge(s.key(), warm.processed(), Long::sum);
                s.checkAfter(history.get(s.key()), "after the warm-up of " + label);
            }
        }
        Double coldLoad = null;
        if (w.kind() == Workload.Kind.LOAD && warmupSeconds > 0 && rep == 1) {
            // The issue's figures are "after a warm-up": servers that run for days have compiled their
            // hot paths; the first load on fresh JVMs (C2 then takes a third of the machine) is shown
            // beside it, as what a first `ramify up` user sees.
            coldLoad = Pgbench.init(s.endpoint(), scale, logs).wallSeconds();
            progress(String.format(Locale.ROOT, "  warm-up load on fresh servers: %.1f s", coldLoad));
        }
        RamifySetup ramify = s instanceof RamifySetup r ? r : null;
        RamifySetup.StorageSample storage0 = null;
        if (ramify != null) {
            ramify.drainFsyncs(); // what came before the step
            storage0 = ramify.storage();
        }
        SyncCounter.Running perf = perfDir == null ? null : SyncCounter.start(() -> syncNodes(s), perfDir);
        long disk0 = disk.writtenBytes();
        long self = ProcessHandle.current().pid();
        Map<String, Long> cpu0 = s.cpuTicks();
        long clients0 = CpuMeter.reapedChildrenTicks(self);
        long bench0 = CpuMeter.ownTicks(self);
        long[] machine0 = CpuMeter.machineTicks();
        long t0 = System.nanoTime();
        Pgbench.Run run = null;
        Pgbench.Init load = null;
        if (w.kind() == Workload.Kind.LOAD) {
            load = Pgbench.init(s.endpoint(), scale, logs);
        } else {
            run = Pgbench.run(s.endpoint(), logs, label, seconds, w.args());
        }
        long t1 = System.nanoTime();
        Map<String, Long> cpu1 = s.cpuTicks();
        long clients1 = CpuMeter.reapedChildrenTicks(self);
        long bench1 = CpuMeter.ownTicks(self);
        long[] machine1 = CpuMeter.machineTicks();
        long disk1 = disk.writtenBytes();
        long diskBytes = disk0 < 0 || disk1 < 0 ? -1 : disk1 - disk0;
        Map<String, Long> syncs = perf == null ? null : perf.stop();
        Measurement.RamifyFigures figures = ramify == null ? null : figures(ramify, storage0);
        double wall = (t1 - t0) / 1e9;
        Map<String, Double> cpu = new LinkedHashMap<>();
        cpu0.forEach((k, v) -> cpu.put(k, (cpu1.get(k) - v) / CpuMeter.TICKS_PER_SECOND));
        double clientCpu = (clients1 - clients0) / CpuMeter.TICKS_PER_SECOND;
        double benchCpu = (bench1 - bench0) / CpuMeter.TICKS_PER_SECOND;
        double busy = (machine1[0] - machine0[0]) / CpuMeter.TICKS_PER_SECOND / wall;
        double ours = (cpu.values().stream().mapToDouble(Double::doubleValue).sum() + clientCpu + benchCpu) / wall;

        Measurement.Checkpoint checkpoint = null;
        if (w.kind() == Workload.Kind.LOAD) {
            history.put(s.key(), 0L);
            long accounts = Long.parseLong(Sql.one(s.endpoint(), "SELECT count(*) FROM pgbench_accounts"));
            if (accounts != 100_000L * scale) {
                throw new IllegalStateException(
                        s.title() + " holds " + accounts + " accounts after pgbench -i -s " + scale);
            }
            s.checkAfter(0, "after pgbench -i");
            progress(String.format(Locale.ROOT, "  %.1f s", load.wallSeconds()));
        } else {
            progress(String.format(
                    Locale.ROOT,
                    "  %.0f TPS, latency average %.3f ms, %d transactions, none failed",
                    run.tps(),
                    run.latencyAverageMs(),
                    run.processed()));
            if (w.kind() == Workload.Kind.READ_WRITE) {
                history.merge(s.key(), run.processed(), Long::sum);
                s.checkAfter(history.get(s.key()), "after " + label);
                checkpoint = checkpoint(s.endpoint());
                progress(String.format(
                        Locale.ROOT, "  CHECKPOINT: %.2f s, %d buffers", checkpoint.seconds(), checkpoint.buffers()));
            }
        }
        return new Measurement(
                w,
                s.key(),
                s.title(),
                rep,
                wall,
                run,
                load,
                cpu,
                clientCpu,
                benchCpu,
                busy,
                Math.max(0, busy - ours),
                syncs,
                diskBytes,
                figures,
                checkpoint,
                coldLoad);
    }

    private static Map<String, List<Long>> syncNodes(Setup s) {
        try {
            return s.syncNodes(CpuMeter.processTable());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Measurement.RamifyFigures figures(RamifySetup r, RamifySetup.StorageSample before) throws Exception {
        RamifySetup.StorageSample after = r.storage();
        RecordingReservoir.Drained fsyncs = r.drainFsyncs();
        int g = r.timelineGroup();
        long allEntries = 0;
        long allBytes = 0;
        for (int i = 0; i < after.wal().commitIndex().length; i++) {
            allEntries += after.wal().commitIndex()[i] - before.wal().commitIndex()[i];
            allBytes += after.wal().appendedBytes()[i] - before.wal().appendedBytes()[i];
        }
        Latencies waits = new Latencies();
        for (long v : fsyncs.values()) {
            waits.add(v);
        }
        Map<String, Long> deltas = new LinkedHashMap<>();
        after.computeCounts().forEach((k, v) -> {
            long d = v - before.computeCounts().getOrDefault(k, 0L);
            if (d != 0) {
                deltas.put(k, d);
            }
        });
        deltas.put(
                "ratis-wal.queries (all groups and nodes)",
                after.wal().queries() - before.wal().queries());
        deltas.put(
                "ratis-wal.long_polls", after.wal().longPolls() - before.wal().longPolls());
        return new Measurement.RamifyFigures(
                after.wal().commitIndex()[g] - before.wal().commitIndex()[g],
                allEntries,
                after.wal().appendedBytes()[g] - before.wal().appendedBytes()[g],
                allBytes,
                fsyncs.values().length + fsyncs.dropped(),
                fsyncs.dropped(),
                waits.summary(),
                deltas);
    }

    /** How long the checkpointer may take to publish its statistics after a CHECKPOINT returned. */
    static final Duration CHECKPOINT_STATS_WAIT_MAX = Duration.ofSeconds(30);

    /**
     * {@code CHECKPOINT} (immediate), timed, with the buffers it wrote: the delta of
     * {@code pg_stat_bgwriter.buffers_checkpoint} around it. The checkpointer wakes the waiting
     * backend before it publishes its statistics, so the figures are read once {@code
     * checkpoints_req} has moved on (a checkpoint that was already running when the command came is
     * counted too).
     */
    static Measurement.Checkpoint checkpoint(Endpoint e) throws Exception {
        String q = "SELECT checkpoints_req || ' ' || buffers_checkpoint FROM pg_stat_bgwriter";
        String[] before = Sql.one(e, q).split(" ");
        long t0 = System.nanoTime();
        Sql.exec(e, "CHECKPOINT");
        double secs = (System.nanoTime() - t0) / 1e9;
        long deadline = System.nanoTime() + CHECKPOINT_STATS_WAIT_MAX.toNanos();
        String[] after = Sql.one(e, q).split(" ");
        while (Long.parseLong(after[0]) <= Long.parseLong(before[0])) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(e.name() + ": pg_stat_bgwriter.checkpoints_req still " + after[0] + " "
                        + CHECKPOINT_STATS_WAIT_MAX + " after CHECKPOINT returned");
            }
            Thread.sleep(10);
            after = Sql.one(e, q).split(" ");
        }
        return new Measurement.Checkpoint(secs, Long.parseLong(after[1]) - Long.parseLong(before[1]));
    }

    static void progress(String message) {
        System.err.println("[write-path] " + message);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new WritePathBench()).execute(args);
        // Ratis and gRPC leave non-daemon threads behind after close; do not wait for them.
        System.exit(code);
    }
}
