package io.ramify.chaos.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ramify.chaos.hosts.NetnsHosts;
import io.ramify.cluster.Launcher;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.ServerJvm;
import io.ramify.control.client.ApiClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Ramify on hosts in network namespaces, every part a process of the real {@code ramify} command:
 * ratis-wal nodes (hosting the catalog) on hosts 1..N, a page-store shard on each of the next
 * hosts, the control plane (API, proxy, computes) on the last. Clients on the machine reach them
 * over the bridge, as clients in a data centre reach servers.
 */
public final class ChaosCluster implements AutoCloseable {
    public static final int SHARDS = 2;
    /** One port per kind of endpoint: every host has an address of its own. */
    static final Map<String, Integer> PORTS =
            Map.of("wal", 7400, "wal-metrics", 9400, "shard", 7410, "shard-metrics", 9410, "api", 8470, "proxy", 6432);

    static final int COMPUTE_PORT_BASE = 25433;
    static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);
    private static final ObjectMapper JSON = new ObjectMapper();

    public final NetnsHosts hosts;
    public final LocalCluster local;
    public final ApiClient api;
    private final int walNodes;
    private final Path computes;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(HEALTH_TIMEOUT).build();

    private ChaosCluster(NetnsHosts hosts, LocalCluster local, int walNodes, Path computes) {
        this.computes = computes;
        this.hosts = hosts;
        this.local = local;
        this.walNodes = walNodes;
        this.api = new ApiClient(local.apiUrl());
    }

    /** Makes the hosts and starts every part; on failure removes what it made. */
    public static ChaosCluster start(Path dir, int walNodes, Consumer<String> log) throws IOException {
        NetnsHosts.removeStale();
        NetnsHosts hosts = NetnsHosts.create(walNodes + SHARDS + 1, log);
        try {
            Files.createDirectories(dir);
            // Short, under /tmp: Postgres's socket path (COMPUTES/<timeline hex>/work/socket/.s.PGSQL.N) must fit in
            // 107 bytes; the Postgres OS user must traverse it. Symlinked from the run's directory for the record.
            Path computes = Files.createTempDirectory(Path.of("/tmp"), "rfc-");
            Files.setPosixFilePermissions(computes, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createSymbolicLink(dir.resolve("computes"), computes);
            Launcher ramify = Launcher.java("io.ramify.cli.Ramify", ServerJvm.OPTIONS, List.of("--debug"));
            LocalCluster local = LocalCluster.builder(dir)
                    .name("chaos")
                    .walNodes(walNodes, walNodes)
                    .catalog()
                    .shards(SHARDS)
                    .control(computes)
                    .proxy()
                    .controlOption("os-user", "postgres")
                    .controlOption("default-project", Bank.PROJECT)
                    .controlOption("compute-port-base", Integer.toString(COMPUTE_PORT_BASE))
                    .allProcesses()
                    .hostOf(part -> host(hosts, walNodes, part).address())
                    .ports(ChaosCluster::port)
                    .launcher((part, role, args) -> host(hosts, walNodes, part).exec(ramify.command(part, role, args)))
                    .progress(log)
                    .build();
            local.start();
            return new ChaosCluster(hosts, local, walNodes, computes);
        } catch (IOException | RuntimeException e) {
            hosts.close();
            throw e;
        }
    }

    /** wal-nI on host i+1, page-store-S on host N+1+S, control on the last host. */
    static NetnsHosts.Host host(NetnsHosts hosts, int walNodes, String part) {
        if (part.startsWith("wal-n")) {
            return hosts.host(1 + Integer.parseInt(part.substring("wal-n".length())));
        }
        if (part.startsWith("page-store-")) {
            return hosts.host(walNodes + 1 + Integer.parseInt(part.substring("page-store-".length())));
        }
        return hosts.host(walNodes + SHARDS + 1);
    }

    public NetnsHosts.Host hostOf(Part p) {
        return host(hosts, walNodes, p.name());
    }

    private static int port(String key, int preferred) {
        if (key.startsWith("wal.")) {
            return PORTS.get(key.endsWith("metrics-port") ? "wal-metrics" : "wal");
        }
        if (key.startsWith("shard.")) {
            return PORTS.get(key.endsWith("metrics-port") ? "shard-metrics" : "shard");
        }
        return PORTS.get(key.startsWith("api") ? "api" : "proxy");
    }

    public int walNodes() {
        return walNodes;
    }

    /** A JDBC URL of {@code branch} through the proxy, with bounded waits (a client must not hang on a cut host). */
    public String jdbcUrl(String branch) {
        return "jdbc:postgresql://" + local.controlHost() + ":" + local.proxyPort() + "/postgres?user=postgres"
                + "&options=endpoint%3D" + branch + "&connectTimeout=5&socketTimeout=30&loginTimeout=60";
    }

    /** A part's /health document, or empty when it does not answer in time. */
    public Optional<JsonNode> health(Part p) {
        try {
            URI uri = URI.create(
                    "http://" + hostOf(p).address() + ":" + p.options().integer("metrics-port") + "/health");
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri).timeout(HEALTH_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
            return Optional.of(JSON.readTree(r.body()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The WAL node leading a group (a WAL group by number, or {@code catalog}), as its nodes' /health tell. */
    public Optional<Part> leaderOf(String group) {
        for (Part p : local.walNodes()) {
            Optional<JsonNode> h = health(p);
            if (h.isPresent()) {
                for (JsonNode g : groups(h.get())) {
                    if (matches(g, group) && "LEADER".equals(g.path("role").asText())) {
                        return Optional.of(p);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static List<JsonNode> groups(JsonNode health) {
        List<JsonNode> all = new ArrayList<>();
        health.path("groups").forEach(all::add);
        health.path("hosted").forEach(all::add);
        return all;
    }

    private static String key(JsonNode g) {
        return g.has("name") ? g.get("name").asText() : g.path("group").asText();
    }

    private static boolean matches(JsonNode g, String group) {
        return g.has("name")
                ? g.get("name").asText().equals(group)
                : Integer.toString(g.path("group").asInt(-1)).equals(group);
    }

    /**
     * What keeps the cluster from being whole, or empty when it is: every part's process alive,
     * every WAL node a member of every group that knows a leader and has applied what the group
     * committed (the highest commit index any node reports), every leader's followers caught up,
     * every shard healthy, the API answering.
     */
    public List<String> notRecovered() {
        List<String> wrong = new ArrayList<>();
        for (Part p : local.parts()) {
            if (!p.running()) {
                wrong.add(p.name() + " is not running");
            }
        }
        java.util.Map<Part, JsonNode> healths = new java.util.LinkedHashMap<>();
        for (Part p : local.walNodes()) {
            health(p).ifPresentOrElse(h -> healths.put(p, h), () -> wrong.add(p.name() + " does not answer /health"));
        }
        // The highest commit index any node reports for each group: a member's own figures cannot show that it
        // is behind (a node restarted on an empty disk has applied all it knows of, nothing), nor can its leader's
        // match index for it (Raft never lowers a match index).
        java.util.Map<String, Long> committed = new java.util.HashMap<>();
        healths.values()
                .forEach(h -> groups(h)
                        .forEach(g ->
                                committed.merge(key(g), g.path("commitIndex").asLong(), Math::max)));
        healths.forEach((p, h) -> {
            for (JsonNode g : groups(h)) {
                boolean followersBehind = false;
                for (JsonNode lag : g.path("followerLag")) {
                    followersBehind |= lag.asLong() > APPLY_LAG_MAX;
                }
                long behind = committed.getOrDefault(key(g), 0L)
                        - g.path("appliedIndex").asLong();
                if (g.has("error") || g.path("leader").isNull() || behind > APPLY_LAG_MAX || followersBehind) {
                    wrong.add(
                            p.name() + " group " + key(g) + ": " + behind + " entries behind the highest commit; " + g);
                }
            }
            if (groups(h).size() < committed.size()) {
                wrong.add(p.name() + " hosts " + groups(h).size() + " of the " + committed.size() + " groups");
            }
        });
        for (Part p : local.shards()) {
            if (!health(p).map(h -> h.path("healthy").asBoolean()).orElse(false)) {
                wrong.add(p.name() + " is not healthy");
            }
        }
        try {
            api.getText("/v1/projects");
        } catch (RuntimeException e) {
            wrong.add("the API does not answer: " + e.getMessage());
        }
        return wrong;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Entries a group member may still have to apply and count as caught up. */
    static final long APPLY_LAG_MAX = 64;

    /** Waits until {@link #notRecovered()} is empty; returns how long it took, or throws after {@code max}. */
    public Duration awaitRecovered(Duration max) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        List<String> wrong = notRecovered();
        while (!wrong.isEmpty()) {
            if (System.nanoTime() - t0 > max.toNanos()) {
                throw new IOException("not recovered " + max.toSeconds() + " s after healing: " + wrong);
            }
            Thread.sleep(500);
            wrong = notRecovered();
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public void close() throws IOException {
        try {
            local.close(); // the control plane stops its computes and unmounts them first
        } finally {
            hosts.close();
            deleteTree(computes);
        }
    }
}
