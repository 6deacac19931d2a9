package io.ramify.cli;

import io.ramify.common.server.ServerOptions;
import io.ramify.control.ControlConfig;
import io.ramify.control.ControlRole;
import io.ramify.control.ControlServer;
import io.ramify.proxy.ProxyConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ramify control}: the control plane (REST API, branch operations, computes) until stopped.
 * Its configuration is {@link ControlRole#config}'s and {@link ControlRole#proxy}'s, from these options.
 */
@Command(
        name = "control",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        usageHelpWidth = 110,
        description = {
            "Runs the control plane: the REST API (GET /v1/openapi.json describes it) over the branch catalog,",
            "ratis-wal and the page stores, and the computes of branches (FUSE mounts and Postgres processes, in",
            "this process). SIGTERM stops every compute cleanly (marked SUSPENDED; the next start resumes it)."
        })
public final class ControlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--wal-nodes", required = true, paramLabel = "ID=HOST:PORT,...", description = "ratis-wal nodes.")
    String walNodes;

    @Option(names = "--wal-cluster-name", paramLabel = "NAME", description = "Default: ${DEFAULT-VALUE}.")
    String walClusterName = "ramify";

    @Option(names = "--wal-groups", paramLabel = "N", description = "Raft groups (default: one per node).")
    Integer walGroups;

    @Option(
            names = "--page-stores",
            required = true,
            paramLabel = "HOST:PORT,...",
            description = "Page-store shards, in shard order.")
    String pageStores;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "API address (default: ${DEFAULT-VALUE}).")
    String listen = ControlRole.LISTEN_DEFAULT;

    @Option(
            names = "--proxy-listen",
            paramLabel = "HOST:PORT",
            description =
                    "Postgres front door for every branch (wakes suspended computes); 'off' disables it (default: ${DEFAULT-VALUE}).")
    String proxyListen = ControlRole.PROXY_LISTEN_DEFAULT;

    @Option(names = "--proxy-tls-cert", paramLabel = "PEM", description = "Certificate chain for TLS at the proxy.")
    Path tlsCert;

    @Option(names = "--proxy-tls-key", paramLabel = "PEM", description = "PKCS#8 private key for --proxy-tls-cert.")
    Path tlsKey;

    @Option(
            names = "--default-project",
            paramLabel = "NAME",
            description =
                    "Project of an endpoint named without one (options=endpoint=BRANCH) (default: ${DEFAULT-VALUE}).")
    String defaultProject = ApiOptions.DEFAULT_PROJECT;

    @Option(
            names = "--compute-dir",
            required = true,
            paramLabel = "DIR",
            description =
                    "Where computes mount their data directories and keep logs (must be traversable by --os-user).")
    Path computeDir;

    @Option(
            names = "--compute-host",
            paramLabel = "ADDR",
            description = "Address computes listen on (default: ${DEFAULT-VALUE}).")
    String computeHost = "127.0.0.1";

    @Option(
            names = "--compute-port-base",
            paramLabel = "PORT",
            description = "Computes take the first free port from here (default: ${DEFAULT-VALUE}).")
    int computePortBase = ControlRole.COMPUTE_PORT_BASE_DEFAULT;

    @Option(
            names = "--os-user",
            paramLabel = "USER",
            description = "OS user Postgres runs as (default: ${DEFAULT-VALUE}).")
    String osUser = "postgres";

    @Option(
            names = "--proxy-wake-timeout-ms",
            paramLabel = "MS",
            description = "How long the proxy holds a client while it starts or wakes the branch's compute "
                    + "(default: ${DEFAULT-VALUE}).")
    long proxyWakeTimeoutMs = ProxyConfig.WAKE_TIMEOUT_DEFAULT.toMillis();

    @Option(
            names = "--idle-check-ms",
            paramLabel = "MS",
            description = "Pause between checks for idle computes to suspend (default: ${DEFAULT-VALUE}).")
    long idleCheckMs = ControlServer.IDLE_CHECK_INTERVAL.toMillis();

    @Override
    public Integer call() throws Exception {
        ServerOptions o = ServerCommands.options(spec);
        ControlConfig cfg = ServerCommands.config(spec, o, ControlRole::config);
        ProxyConfig proxy = ServerCommands.config(spec, o, ControlRole::proxy);
        ControlRole.HostPort api =
                ServerCommands.config(spec, o, x -> ControlRole.HostPort.parse("listen", x.string("listen")));
        ControlServer server = ControlServer.start(cfg, api.host(), api.port(), proxy, Duration.ofMillis(idleCheckMs));
        return ServerCommands.runUntilStopped(
                server,
                s -> "control plane: API http://" + api.host() + ":" + s.port() + "/v1, proxy "
                        + (proxy == null ? "off" : proxy.host() + ":" + s.proxyPort()),
                "the control plane");
    }
}
