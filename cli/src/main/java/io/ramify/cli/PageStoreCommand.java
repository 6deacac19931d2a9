package io.ramify.cli;

import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreRole;
import io.ramify.pagestore.server.PageStoreServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ramify page-store}: runs one page-store shard until it is stopped (SIGTERM or Ctrl-C). Its
 * configuration is {@link PageStoreRole#config}'s, from these options.
 */
@Command(
        name = "page-store",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs one page-store shard: pulls its share of every timeline's ops from ratis-wal into RocksDB,",
            "acknowledges what it made durable, and answers GetBlocks, Stat, ListTree, Usage and Status",
            "(gRPC) for any branch view. A block belongs to shard hash(file, block / 2048) mod N; file events",
            "go to every shard. Every timeline must have been created in ratis-wal with the same N.",
            "",
            "Example, shard 0 of 2 beside a 3-node ratis-wal on one machine:",
            "  ramify page-store --shard 0 --of 2 --wal-nodes n0=127.0.0.1:9870,n1=127.0.0.1:9871,n2=127.0.0.1:9872 \\",
            "      --data-dir /var/lib/ramify/ps-0 --port 9880 --metrics-port 9980",
            "Then GET http://127.0.0.1:9980/health shows ingest progress and lag per timeline, /metrics the figures."
        })
public final class PageStoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shard", paramLabel = "I", required = true, description = "This shard's index, 0..N-1.")
    int shard;

    @Option(names = "--of", paramLabel = "N", required = true, description = "How many shards the page store has.")
    int of;

    @Option(
            names = "--wal-nodes",
            paramLabel = "ID=HOST:PORT,...",
            required = true,
            description = "Every ratis-wal node with its Raft (gRPC) address, as given to wal-server --nodes.")
    String walNodes;

    @Option(
            names = "--wal-cluster-name",
            paramLabel = "NAME",
            description = "ratis-wal's --cluster-name (default: ${DEFAULT-VALUE}).")
    String walClusterName = "ramify";

    @Option(
            names = "--wal-groups",
            paramLabel = "G",
            description = "ratis-wal's --groups (default: one per ratis-wal node).")
    Integer walGroups;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            required = true,
            description = "Where this shard's RocksDB lives.")
    Path dataDir;

    @Option(
            names = "--host",
            paramLabel = "ADDR",
            description = "Address to bind gRPC and HTTP to (default: ${DEFAULT-VALUE}).")
    String host = "0.0.0.0";

    @Option(names = "--port", paramLabel = "PORT", required = true, description = "gRPC port; 0 picks a free one.")
    int port;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description =
                    "HTTP port for /metrics and /health; 0 picks a free port, -1 disables (default: ${DEFAULT-VALUE}).")
    int metricsPort = 0;

    @Option(
            names = "--ops-per-pull",
            paramLabel = "N",
            description = "Most ops pulled from ratis-wal and written in one synced batch (default: ${DEFAULT-VALUE}).")
    int opsPerPull = PageStoreConfig.Defaults.OPS_PER_PULL_MAX;

    @Option(
            names = "--read-wait-ms",
            paramLabel = "MS",
            description =
                    "How long a read waits for ingestion when the caller does not say (default: ${DEFAULT-VALUE}).")
    long readWaitMs = PageStoreConfig.Defaults.DEFAULT_WAIT.toMillis();

    @Option(
            names = "--history-window-minutes",
            paramLabel = "MIN",
            description = "Every cut this recent stays readable; older versions no retained view sees are collected "
                    + "(default: ${DEFAULT-VALUE}).")
    long historyWindowMinutes = PageStoreConfig.Defaults.HISTORY_WINDOW.toMinutes();

    @Option(
            names = "--gc-interval-seconds",
            paramLabel = "S",
            description = "Pause between GC runs (default: ${DEFAULT-VALUE}).")
    long gcIntervalSeconds = PageStoreConfig.Defaults.GC_INTERVAL.toSeconds();

    @Override
    public Integer call() throws Exception {
        PageStoreConfig cfg = ServerCommands.config(spec, ServerCommands.options(spec), PageStoreRole::config);
        return ServerCommands.runUntilStopped(
                PageStoreServer.start(cfg),
                server -> "page-store shard " + shard + " of "
                        + of + ": grpc " + host + ":" + server.port() + ", metrics "
                        + (server.metricsPort() < 0 ? "off" : "http://" + host + ":" + server.metricsPort()),
                "the shard");
    }
}
