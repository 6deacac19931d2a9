package io.ramify.control;

import io.ramify.cluster.LocalCluster;
import io.ramify.control.client.ApiClient;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The whole system of a {@link LocalCluster} for control-plane tests: 3 ratis-wal node processes
 * hosting the WAL groups and the catalog, 2 page-store shards and the control plane (REST API,
 * idle computes checked every second) in this JVM. The cluster itself is the fixture's.
 */
final class Stack implements AutoCloseable {
    static final int SHARDS = 2;
    final LocalCluster local;
    final WalCluster wal;
    final ApiClient api;

    Stack(Path root) throws IOException {
        this(root, false, Map.of());
    }

    /** With {@code proxy}: the proxy in front; {@code controlOptions}: more {@code control} options (TLS, project). */
    Stack(Path root, boolean proxy, Map<String, String> controlOptions) throws IOException {
        Processes.run(List.of("chmod", "o+x", root.toString()), Duration.ofSeconds(10));
        Path computes = Files.createDirectories(root.resolve("computes"));
        Processes.run(List.of("chmod", "o+x", computes.toString()), Duration.ofSeconds(10));
        LocalCluster.Builder b = LocalCluster.builder(root)
                .name("stack")
                .walNodes(3, 3)
                .catalog()
                .walIn(LocalCluster.Placement.PROCESS)
                .shards(SHARDS)
                .control(computes)
                .controlOption("os-user", "postgres")
                .controlOption("compute-port-base", Integer.toString(computePortBase()))
                .controlOption("idle-check-ms", "1000");
        controlOptions.forEach(b::controlOption);
        if (proxy) {
            b.proxy();
        }
        local = b.start();
        wal = local.wal();
        api = new ApiClient(local.apiUrl());
    }

    ControlServer control() {
        return local.control().server(ControlServer.class);
    }

    /**
     * Stops the control plane (its computes stop with it) and starts a new one on the same parts, as
     * after a crash or an upgrade: what it knows comes from the catalog and ratis-wal alone.
     */
    void restartControl() throws IOException {
        local.control().stop();
        local.control().start();
    }

    /**
     * Computes listen below the kernel's ephemeral port range: a port probed free there is not taken
     * by an outgoing connection in the seconds before Postgres binds it.
     */
    static int computePortBase() throws IOException {
        String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                .getFirst()
                .trim()
                .split("\\s+");
        return Integer.parseInt(range[0]) - 2 * io.ramify.control.ControlConfig.COMPUTE_PORTS_MAX;
    }

    @Override
    public void close() throws IOException {
        local.close();
    }
}
