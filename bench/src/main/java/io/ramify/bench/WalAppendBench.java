package io.ramify.bench;

import io.ramify.cluster.LocalCluster;
import io.ramify.wal.client.WalClient;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures what a commit costs through ratis-wal next to what an fsync costs on the same disk:
 * the raw disk first (Java probe, then pg_test_fsync), then a 3-node cluster in this JVM, with
 * serial appends (latency) and pipelined appends (throughput) of 8 KiB and 256 KiB batches. The
 * disk is measured before the cluster starts so the two never compete for it.
 */
@Command(
        name = "wal-append",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmarks ratis-wal appends against the raw fdatasync latency of the same disk.",
            "Prints progress on stderr and a markdown report on stdout."
        })
public final class WalAppendBench implements Callable<Integer> {
    static final int DEFAULT_SERIAL_BATCHES = 1000;
    static final double DEFAULT_PIPELINE_SECONDS = 10;
    static final int DEFAULT_IN_FLIGHT = 16;
    /** Enough for the JIT to compile the append path; on 2 cores C2 competes with the nodes until then. */
    static final int DEFAULT_WARMUP_BATCHES = 300;

    static final int DEFAULT_FSYNC_SAMPLES = 1000;
    static final int DEFAULT_PG_TEST_FSYNC_SECONDS = 5;
    static final int NODES = 3;
    static final int GROUPS = 3;
    /** Set by bench/wal-append: the repository, for the git commit and the default data directory. */
    @Option(
            names = "--serial-batches",
            paramLabel = "N",
            description = "Batches per one-at-a-time run (default: ${DEFAULT-VALUE}).")
    int serialBatches = DEFAULT_SERIAL_BATCHES;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            description = "Duration of each pipelined run (default: ${DEFAULT-VALUE}).")
    double pipelineSeconds = DEFAULT_PIPELINE_SECONDS;

    @Option(
            names = "--in-flight",
            paramLabel = "N",
            description = "Batches sent and not yet committed in a pipelined run (default: ${DEFAULT-VALUE}).")
    int inFlight = DEFAULT_IN_FLIGHT;

    @Option(
            names = "--warmup",
            paramLabel = "N",
            description = "Unmeasured batches sent before each run (default: ${DEFAULT-VALUE}).")
    int warmupBatches = DEFAULT_WARMUP_BATCHES;

    @Option(
            names = "--fsync-samples",
            paramLabel = "N",
            description = "Write+fdatasync pairs timed by each Java disk probe (default: ${DEFAULT-VALUE}).")
    int fsyncSamples = DEFAULT_FSYNC_SAMPLES;

    @Option(
            names = "--pg-test-fsync",
            paramLabel = "PATH",
            description = "pg_test_fsync binary (default: ${DEFAULT-VALUE}).")
    String pgTestFsync = PgTestFsync.DEFAULT_BINARY;

    @Option(
            names = "--pg-test-fsync-seconds",
            paramLabel = "S",
            description =
                    "Seconds per pg_test_fsync test (its -s; it runs ~18 tests); 0 skips it (default: ${DEFAULT-VALUE}).")
    int pgTestFsyncSeconds = DEFAULT_PG_TEST_FSYNC_SECONDS;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = {
                "Parent of the run's fresh data directory, which is deleted afterwards. It must be on the disk "
                        + "you mean to measure, not a tmpfs (default: bench/target in the repository, else the JVM's temp dir)."
            })
    Path dataParent;

    @Option(names = "--keep-data", description = "Keep the run's data directory.")
    boolean keepData;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (serialBatches < 1 || inFlight < 1 || pipelineSeconds <= 0 || warmupBatches < 0 || fsyncSamples < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "batches, in-flight, seconds and samples must be positive (warmup may be 0)");
        }
        BenchDataDir.run("wal-append-", dataParent, keepData, WalAppendBench::progress, this::run);
        return 0;
    }

    private void run(Path dir, Path root) throws Exception {
        FileStore fs = Files.getFileStore(dir);
        if (fs.type().equals("tmpfs")) {
            progress("WARNING: " + dir + " is on tmpfs; fsync costs nothing there and the figures mean little");
        }
        MachineFacts facts = MachineFacts.collect(dir, root);

        progress("disk: " + fsyncSamples + " × (8 KiB write + fdatasync), overwrite then append");
        Latencies.Summary overwrite = FsyncProbe.overwrite(dir.resolve("fsync-overwrite.probe"), fsyncSamples)
                .summary();
        Latencies.Summary append = FsyncProbe.append(dir.resolve("fsync-append.probe"), fsyncSamples)
                .summary();
        Optional<PgTestFsync.Figure> pg = Optional.empty();
        if (pgTestFsyncSeconds > 0) {
            progress("disk: pg_test_fsync -s " + pgTestFsyncSeconds + " (about " + 18 * pgTestFsyncSeconds + " s)");
            pg = PgTestFsync.run(pgTestFsync, dir.resolve("pg_test_fsync.probe"), pgTestFsyncSeconds);
        }

        List<AppendRunner.Result> results = new ArrayList<>();
        progress("starting " + NODES + " nodes, " + GROUPS + " groups");
        // Three ratis-wal nodes in this JVM on loopback ports, each with its own data directory (so each
        // has its own Raft log and RocksDB, and fsyncs its own files), hosting three groups. Each group's
        // leadership is moved to its preferred node (g mod 3) before measuring, so no leader change falls
        // into a measurement and leaders (and their CPU) are spread evenly.
        try (LocalCluster cluster = LocalCluster.builder(dir.resolve("cluster"))
                .name(BenchServers.CLUSTER_NAME)
                .walNodes(NODES, GROUPS)
                .walOptions(i -> BenchServers.METRICS_OFF)
                .balanceLeaders()
                .start()) {
            BenchServers.requireBalancedLeaders(cluster);
            try (WalClient client = cluster.walClient()) {
                AppendRunner runner = new AppendRunner(client, warmupBatches);
                for (Shape shape : Shape.values()) {
                    progress("append " + shape.label + ": " + serialBatches + " one at a time");
                    results.add(runner.serial(shape, serialBatches));
                }
                for (Shape shape : Shape.values()) {
                    progress("append " + shape.label + ": " + pipelineSeconds + " s with " + inFlight + " in flight");
                    results.add(runner.pipelined(shape, inFlight, pipelineSeconds));
                }
            }
            progress("stopping the cluster (Ratis warns about cancelled streams as peers go away; that is expected)");
        }
        String command = "bench/wal-append "
                + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        Report.render(facts, command.trim(), overwrite, append, pg, results).forEach(System.out::println);
    }

    private static void progress(String message) {
        System.err.println("[wal-append] " + message);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new WalAppendBench()).execute(args);
        // Ratis and gRPC leave non-daemon threads behind after close; do not wait for them.
        System.exit(code);
    }
}
