package io.ramify.control;

import io.ramify.common.server.RunningServer;
import io.ramify.common.server.ServerOptions;
import io.ramify.common.server.ServerRole;
import io.ramify.proxy.ProxyConfig;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The control plane (REST API, computes, and the proxy unless {@code proxy-listen} is {@code off})
 * from the options of {@code ramify control}.
 */
public final class ControlRole implements ServerRole {
    public static final String NAME = "control";
    /** The options it takes: {@code ramify control}'s long option names. */
    public static final Set<String> OPTIONS = Set.of(
            "wal-nodes",
            "wal-cluster-name",
            "wal-groups",
            "page-stores",
            "listen",
            "proxy-listen",
            "proxy-tls-cert",
            "proxy-tls-key",
            "proxy-wake-timeout-ms",
            "default-project",
            "compute-dir",
            "compute-host",
            "compute-port-base",
            "os-user",
            "idle-check-ms");

    public static final String LISTEN_DEFAULT = "127.0.0.1:8470";
    public static final String PROXY_LISTEN_DEFAULT = "127.0.0.1:6432";
    /** The project a proxy connection without a project in its endpoint reaches. */
    public static final String DEFAULT_PROJECT = "app";
    /** Below the kernel's ephemeral port range (32768+), so outgoing connections never take a compute's port. */
    public static final int COMPUTE_PORT_BASE_DEFAULT = 25433;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningServer start(ServerOptions o) throws IOException {
        o.onlyOf(OPTIONS);
        ControlConfig cfg = config(o);
        HostPort api = HostPort.parse("listen", o.string("listen", LISTEN_DEFAULT));
        ProxyConfig proxy = proxy(o);
        ControlServer server = ControlServer.start(
                cfg, api.host(), api.port(), proxy, o.millis("idle-check-ms", ControlServer.IDLE_CHECK_INTERVAL));
        String describe = "control plane: API http://" + api.host() + ":" + server.port() + "/v1, proxy "
                + (proxy == null ? "off" : proxy.host() + ":" + server.proxyPort());
        return RunningServer.of(describe, server);
    }

    /**
     * The control plane's configuration (it creates {@code compute-dir}); an option out of range is an
     * {@link IllegalArgumentException} naming it.
     */
    public static ControlConfig config(ServerOptions o) throws IOException {
        List<WalCluster.Node> nodes = WalCluster.parseNodes(o.string("wal-nodes"));
        WalCluster cluster =
                new WalCluster(o.string("wal-cluster-name", "ramify"), nodes, o.integer("wal-groups", nodes.size()));
        Path computeDir = Files.createDirectories(o.path("compute-dir"));
        String user = o.string("os-user", "postgres");
        return new ControlConfig(
                cluster,
                Arrays.stream(o.string("page-stores").split(","))
                        .map(String::trim)
                        .toList(),
                computeDir,
                o.string("compute-host", "127.0.0.1"),
                o.integer("compute-port-base", COMPUTE_PORT_BASE_DEFAULT),
                user,
                osId(user, "-u"),
                osId(user, "-g"));
    }

    /** The proxy's settings, or null when {@code proxy-listen} is {@code off}. */
    public static ProxyConfig proxy(ServerOptions o) {
        String listen = o.string("proxy-listen", PROXY_LISTEN_DEFAULT);
        if (listen.equals("off")) {
            return null;
        }
        HostPort hp = HostPort.parse("proxy-listen", listen);
        ProxyConfig p = ProxyConfig.of(hp.host(), hp.port(), o.string("default-project", DEFAULT_PROJECT));
        if (o.has("proxy-tls-cert") != o.has("proxy-tls-key")) {
            throw new IllegalArgumentException("give both --proxy-tls-cert and --proxy-tls-key, or neither");
        }
        if (o.has("proxy-tls-cert")) {
            p = p.withTls(
                    o.path("proxy-tls-cert").toFile(), o.path("proxy-tls-key").toFile());
        }
        return p.withWakeTimeout(o.millis("proxy-wake-timeout-ms", p.wakeTimeout()));
    }

    /** The uid ({@code -u}) or gid ({@code -g}) of an OS user. */
    public static int osId(String user, String flag) {
        try {
            Process p = new ProcessBuilder("id", flag, user).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0 || out.isEmpty()) {
                throw new IllegalArgumentException(
                        "OS user '" + user + "' does not exist; create it or pass --os-user");
            }
            return Integer.parseInt(out);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot run id: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException("interrupted", e);
        }
    }

    /** An address option's {@code HOST:PORT}. */
    public record HostPort(String host, int port) {
        public static HostPort parse(String option, String s) {
            int colon = s.lastIndexOf(':');
            try {
                return new HostPort(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--" + option + " must be HOST:PORT, not '" + s + "'");
            }
        }
    }
}
