package io.ramify.cli;

import io.ramify.catalog.server.CatalogHosting;
import io.ramify.raft.host.HostedGroup;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import io.ramify.wal.server.WalServerRole;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ramify wal-server}: runs one ratis-wal node until it is stopped (SIGTERM or Ctrl-C). Every
 * node also hosts the branch catalog's Raft group ({@code --host catalog}, the default). Its
 * configuration is {@link WalServerRole#config}'s, from these options.
 */
@Command(
        name = "wal-server",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs one ratis-wal node: a Raft server (Apache Ratis, gRPC) hosting every group of the cluster,",
            "each group a fenced op log per timeline with its WAL archive and index, state in RocksDB.",
            "Every node also hosts the branch catalog's Raft group (projects, branches, timelines, leases).",
            "",
            "Every option can also be set in a config file (--config) as KEY=VALUE with the option's long",
            "name without dashes, e.g. 'node-id=n0'. Flags on the command line win over the file.",
            "",
            "Example, a 3-node cluster on one machine:",
            "  ramify wal-server --node-id n0 --nodes n0=127.0.0.1:9870,n1=127.0.0.1:9871,n2=127.0.0.1:9872 \\",
            "      --data-dir /var/lib/ramify/wal-n0 --metrics-port 9970",
            "Then GET http://127.0.0.1:9970/health shows each group's leader and lag (the catalog under",
            "\"hosted\"), /metrics the figures."
        })
public final class WalServerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with any of the options below.")
    Path config;

    @Option(names = "--node-id", paramLabel = "ID", description = "This node's id, one of those in --nodes.")
    String nodeId;

    @Option(
            names = "--nodes",
            paramLabel = "ID=HOST:PORT,...",
            description = "Every node of the cluster with its Raft (gRPC) address; the same list on every node.")
    String nodes;

    @Option(
            names = "--cluster-name",
            paramLabel = "NAME",
            description = "Names the Raft groups (default: ${DEFAULT-VALUE}).")
    String clusterName = "ramify";

    @Option(
            names = "--groups",
            paramLabel = "N",
            description = "Raft groups hosted by the cluster; timelines are spread over them (default: one per node).")
    Integer groups;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where Raft logs, snapshots and RocksDB live.")
    Path dataDir;

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description =
                    "HTTP port for /metrics and /health; 0 picks a free port, -1 disables (default: ${DEFAULT-VALUE}).")
    int metricsPort = 0;

    @Option(
            names = "--snapshot-every-entries",
            paramLabel = "N",
            description =
                    "Snapshot (RocksDB checkpoint) after N log entries, then trim the Raft log (default: ${DEFAULT-VALUE}).")
    long snapshotEveryEntries = WalServerConfig.Defaults.SNAPSHOT_EVERY_ENTRIES;

    @Option(
            names = "--election-timeout-min-ms",
            paramLabel = "MS",
            description = "Lower bound of the randomised Raft election timeout (default: ${DEFAULT-VALUE}).")
    long electionTimeoutMinMs = WalServerConfig.Defaults.ELECTION_TIMEOUT_MIN.toMillis();

    @Option(
            names = "--segment-size-max-bytes",
            paramLabel = "BYTES",
            description = "Size at which a Raft log segment is closed and a new one begun (default: ${DEFAULT-VALUE}).")
    long segmentSizeMaxBytes = WalServerConfig.Defaults.SEGMENT_SIZE_MAX_BYTES;

    @Option(
            names = "--host",
            paramLabel = "GROUP,...",
            description =
                    "Raft groups this node hosts beside the WAL groups; 'none' for none (default: ${DEFAULT-VALUE}: "
                            + "the branch catalog's, which every node of a Ramify cluster hosts).")
    String host = CatalogHosting.NAME;

    @Override
    public Integer call() throws Exception {
        applyConfigFile();
        if (nodeId == null || nodes == null || dataDir == null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--node-id, --nodes and --data-dir are required " + "(on the command line or in --config)");
        }
        if (host.equals("none")) {
            host = ""; // the role hosts the groups named, here none
        }
        WalServerConfig cfg = ServerCommands.config(spec, ServerCommands.options(spec), WalServerRole::config);
        List<String> hosted = cfg.hostedGroups().stream().map(HostedGroup::name).toList();
        WalCluster.Node me = cfg.cluster().node(nodeId);
        checkRaftPortFree(me);
        return ServerCommands.runUntilStopped(
                WalServer.start(cfg),
                server -> "ratis-wal node " + nodeId
                        + (hosted.isEmpty()
                                ? ""
                                : hosted.equals(List.of(CatalogHosting.NAME))
                                        ? " (with the branch catalog)"
                                        : " (hosting " + String.join(", ", hosted) + ")")
                        + ": raft " + me.address() + ", metrics "
                        + (server.metricsPort() < 0 ? "off" : "http://" + me.host() + ":" + server.metricsPort()),
                "the node");
    }

    /**
     * Fails with one line when another process listens on the node's Raft port: Ratis would end the
     * JVM on its own (exit 1, a stack trace in the log and no {@code error:} line). Ratis binds every
     * interface, so the check does too. (A race with another process remains; then Ratis reports it.)
     */
    private static void checkRaftPortFree(WalCluster.Node me) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(me.port()));
        } catch (IOException e) {
            throw new UserError("the Raft port " + me.port() + " of ratis-wal node " + me.id()
                    + " (in --nodes) is taken: " + e.getMessage()
                    + "; stop what listens there, or give the node another port on every node");
        }
    }

    /** Fills options not given on the command line from the config file. */
    private void applyConfigFile() throws IOException {
        if (config == null) {
            return;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(config)) {
            p.load(in);
        }
        for (String key : p.stringPropertyNames()) {
            var opt = spec.findOption("--" + key);
            if (opt == null || key.equals("config")) {
                throw new ParameterException(spec.commandLine(), "unknown key '" + key + "' in " + config);
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption(opt)) {
                try {
                    opt.setValue(convert(opt, p.getProperty(key).trim()));
                } catch (NumberFormatException e) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "key '" + key + "' in " + config + " is not a number: '" + p.getProperty(key) + "'");
                }
            }
        }
    }

    private static Object convert(picocli.CommandLine.Model.OptionSpec opt, String v) {
        Class<?> t = opt.type();
        if (t == int.class || t == Integer.class) {
            return Integer.parseInt(v);
        }
        if (t == long.class || t == Long.class) {
            return Long.parseLong(v);
        }
        if (t == Path.class) {
            return Path.of(v);
        }
        return v;
    }
}
