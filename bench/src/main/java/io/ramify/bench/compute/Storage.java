package io.ramify.bench.compute;

import io.ramify.bench.BenchServers;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.wal.client.WalClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The storage cluster bench/compute and bench/write-path run Postgres on, a local-cluster fixture
 * on loopback: three ratis-wal nodes, each a JVM of its own (three Ratis servers in one JVM stall
 * under pgbench load; docs/architecture.md, known problems), hosting three groups, and two
 * page-store shards, in the benchmark's JVM or (when asked) each in a JVM of its own, so that their
 * CPU shows apart from the benchmark's. Each node serves its Prometheus {@code /metrics} and {@code
 * /health} on a loopback port of its own ({@link BenchServers#metricsPorts}), and so does each
 * shard process. Plus the probes both benchmarks need on it.
 */
public final class Storage {
    public static final int NODES = 3;
    public static final int GROUPS = 3;
    public static final int SHARDS = 2;
    /** -Xmx of each node and shard process. */
    public static final long NODE_HEAP_MIB = 1024;

    static final Duration KNOWN_WAIT_MAX = Duration.ofSeconds(60);

    private Storage() {}

    /** With {@code shardJvms}, each shard runs in a JVM of its own and {@link #shardServers} is empty. */
    public static LocalCluster start(Path dir, boolean shardJvms) throws IOException {
        return LocalCluster.builder(dir)
                .name(BenchServers.CLUSTER_NAME)
                .walNodes(NODES, GROUPS)
                .walIn(LocalCluster.Placement.PROCESS)
                .shards(SHARDS)
                .shardsIn(shardJvms ? LocalCluster.Placement.PROCESS : LocalCluster.Placement.IN_JVM)
                .shardOptions(s -> shardOptions(shardJvms))
                .launcher(BenchServers.launcher(NODE_HEAP_MIB + "m", BenchServers.serverJavaOptions()))
                .start();
    }

    /**
     * A shard as the benchmarks run it: history window as deployed (24 h, the default), automatic
     * collection off (a collector run in the middle of a measurement would be noise they do not mean
     * to measure); /metrics and /health only on a shard process, read over HTTP.
     */
    private static Map<String, String> shardOptions(boolean ownJvm) {
        Map<String, String> o = new LinkedHashMap<>(
                Map.of("gc-interval-seconds", Long.toString(Duration.ofDays(1).toSeconds())));
        if (!ownJvm) {
            o.putAll(BenchServers.METRICS_OFF);
        }
        return o;
    }

    /** The shards' servers when they run in this JVM; empty when each runs in a JVM of its own. */
    public static List<PageStoreServer> shardServers(LocalCluster c) {
        return c.shards().stream()
                .filter(p -> p.placement() == LocalCluster.Placement.IN_JVM)
                .map(p -> p.server(PageStoreServer.class))
                .toList();
    }

    /**
     * Moves every group's leadership to its preferred node (group g: node g mod 3) and waits until
     * the group of {@code tl} is there: a hand-over in the middle of a measurement stalls appends
     * for a second or more. Returns whether it happened within {@link LocalCluster#LEADER_BALANCE_MAX}.
     */
    public static boolean awaitPreferredLeader(LocalCluster c, WalClient w, TimelineId tl) throws InterruptedException {
        w.awaitBalancedLeaders(LocalCluster.LEADER_BALANCE_MAX);
        return w.leaderOf(tl)
                .map(c.wal().preferredNode(w.groupOf(tl)).id()::equals)
                .orElse(false);
    }

    /** Waits until every shard lists {@code tl}: shards discover new timelines by polling ratis-wal. */
    public static void awaitKnown(LocalCluster c, TimelineId tl) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + KNOWN_WAIT_MAX.toNanos();
        List<Supplier<String>> health = new ArrayList<>();
        for (Part s : c.shards()) {
            if (s.placement() == LocalCluster.Placement.IN_JVM) {
                PageStoreServer server = s.server(PageStoreServer.class);
                health.add(server::healthJson);
            } else {
                int port = s.options().integer("metrics-port");
                health.add(() -> httpHealth(port));
            }
        }
        for (Supplier<String> h : health) {
            while (!h.get().contains(tl.hex())) {
                if (System.nanoTime() > deadline) {
                    throw new IOException(
                            "shard did not discover timeline " + tl + " in " + KNOWN_WAIT_MAX + ": " + h.get());
                }
                Thread.sleep(2);
            }
        }
    }

    /** A shard process's /health body, or the error that kept it from answering. */
    private static String httpHealth(int port) {
        try {
            var http = java.net.http.HttpClient.newHttpClient();
            var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/health"))
                    .timeout(Duration.ofSeconds(10))
                    .build();
            return http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
        } catch (IOException e) {
            return "(no answer from port " + port + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }
}
