package io.ramify.cli;

import io.ramify.cluster.LocalCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The layout of a one-machine Ramify under one data directory ({@code ramify up}/{@code down}):
 * the chosen ports in {@code ramify.properties} (kept, so a restart finds the same cluster), each
 * process's pid in {@code run/NAME.pid} and log in {@code logs/NAME.log}, data in one directory
 * per process. The local-cluster fixture ({@link LocalCluster}) names the processes, their
 * directories and logs the same way, and starts them.
 */
final class Local {
    static final String CLUSTER = "ramify";
    static final int WAL_NODES = 3;
    static final int SHARDS = 2;
    /** Preferred ports; a busy one is replaced by a free one on first start. */
    static final int WAL_PORT = 7401;

    static final int SHARD_PORT = 7411;
    static final int API_PORT = 8470;
    static final int PROXY_PORT = 6432;
    /** Below the kernel's ephemeral port range (32768+), so outgoing connections never take a compute's port. */
    static final int COMPUTE_PORT = 25433;

    final Path dir;
    final Properties props = new Properties();

    Local(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    Path file() {
        return dir.resolve("ramify.properties");
    }

    boolean exists() {
        return Files.exists(file());
    }

    void load() throws IOException {
        try (InputStream in = Files.newInputStream(file())) {
            props.load(in);
        }
    }

    /** Chooses ports on first start and writes them down. */
    void init() throws IOException {
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("logs"));
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < WAL_NODES; i++) {
            props.setProperty("wal.n" + i + ".port", Integer.toString(port(WAL_PORT + i, taken)));
        }
        for (int s = 0; s < SHARDS; s++) {
            props.setProperty("shard." + s + ".port", Integer.toString(port(SHARD_PORT + s, taken)));
        }
        props.setProperty("api.port", Integer.toString(port(API_PORT, taken)));
        props.setProperty("proxy.port", Integer.toString(port(PROXY_PORT, taken)));
        props.setProperty("compute.port.base", Integer.toString(COMPUTE_PORT));
        try (OutputStream out = Files.newOutputStream(file())) {
            props.store(out, "ramify up: ports of this installation (edit only while it is down)");
        }
    }

    private static int port(int preferred, List<Integer> taken) {
        for (int p = preferred; p < preferred + 200; p++) {
            if (!taken.contains(p) && free(p)) {
                taken.add(p);
                return p;
            }
        }
        throw new IllegalStateException("no free port near " + preferred);
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The ports of this installation by the local-cluster fixture's keys ({@code wal.n0.port},
     * {@code shard.1.port}, {@code api.port}, {@code proxy.port}); metrics ports are not kept: 0, a
     * free one at each start.
     */
    LocalCluster.Ports ports() {
        return (key, preferred) -> {
            if (key.endsWith(".metrics-port")) {
                return 0;
            }
            if (key.equals("proxy.port")) {
                return proxyPort();
            }
            String v = props.getProperty(key);
            if (v == null) {
                throw new UserError(
                        "no " + key + " in " + file() + " (`ramify up` writes every port there on its first run; "
                                + "add it, or start a new installation in another --data-dir)");
            }
            return Integer.parseInt(v.trim());
        };
    }

    int apiPort() {
        return Integer.parseInt(props.getProperty("api.port"));
    }

    int proxyPort() {
        return Integer.parseInt(props.getProperty("proxy.port", Integer.toString(PROXY_PORT)));
    }

    String computePortBase() {
        return props.getProperty("compute.port.base", Integer.toString(COMPUTE_PORT));
    }

    String api() {
        return "http://127.0.0.1:" + apiPort();
    }

    Path pidFile(String name) {
        return dir.resolve("run").resolve(name + ".pid");
    }

    Path log(String name) {
        return dir.resolve("logs").resolve(name + ".log");
    }

    /** The running process recorded for {@code name}, if it is still alive. */
    Optional<ProcessHandle> running(String name) throws IOException {
        Path f = pidFile(name);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        return ProcessHandle.of(Long.parseLong(Files.readString(f).trim()))
                .filter(ProcessHandle::isAlive)
                .filter(h -> h.info().command().map(c -> c.contains("java")).orElse(true));
    }

    /** The processes in start order: WAL nodes, shards, control plane. */
    List<String> names() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < WAL_NODES; i++) {
            out.add("wal-n" + i);
        }
        for (int s = 0; s < SHARDS; s++) {
            out.add("page-store-" + s);
        }
        out.add("control");
        return out;
    }
}
