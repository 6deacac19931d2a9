package io.ramify.bench.branching;

import io.ramify.bench.BenchDataDir;
import io.ramify.bench.BenchServers;
import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.control.ControlConfig;
import io.ramify.control.client.ApiClient;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.pagestore.proto.StatusReply;
import io.ramify.pagestore.proto.TimelineIngest;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The whole system on loopback, as a user runs it, as a local-cluster fixture: 3 ratis-wal node
 * processes hosting the WAL groups and the catalog group, 2 page-store shards and the control plane
 * (REST API, computes with their FUSE mounts; with the proxy when asked) in this JVM. Besides the
 * fixture's parts the bench gets plain clients of ratis-wal, the catalog and the page stores, to
 * time the steps of a branch creation one by one, and probes of the shards' reads.
 */
final class Stack implements AutoCloseable {
    static final int WAL_NODES = 3;
    static final int WAL_GROUPS = 3;
    static final int SHARDS = 2;

    final LocalCluster cluster;
    final ApiClient api;
    /**
     * Where computes mount and keep their work directories (Postgres log and socket). Postgres's
     * Unix socket path, {@code <this>/<timeline hex>/work/socket/.s.PGSQL.<port>}, must fit in 107
     * bytes, so this is a short directory under /tmp rather than under the data directory.
     */
    final Path computes;

    private final AtomicBoolean closed = new AtomicBoolean();

    private Stack(LocalCluster cluster, Path computes) {
        this.cluster = cluster;
        this.computes = computes;
        this.api = new ApiClient(cluster.apiUrl());
    }

    /**
     * Starts the fixture in {@code dir}: node processes with {@code -Xmx nodeHeap} and no other JVM
     * options (the JVM's default collector, as these benches ran them before the fixture; the other
     * benches' servers run {@link BenchServers#serverJavaOptions()}). With {@code proxyProject}, the
     * control plane also runs the proxy (bench/proxy), that project its default.
     */
    static Stack start(Path dir, String nodeHeap, Consumer<String> progress, String proxyProject) throws IOException {
        Path computes = Files.createTempDirectory(Path.of("/tmp"), "rbc-");
        try {
            // The Postgres OS user must reach the compute mounts: o+x on the data directory and below it.
            Processes.run(List.of("chmod", "o+x", dir.toString(), computes.toString()), Duration.ofSeconds(10));
            LocalCluster.Builder b = LocalCluster.builder(dir)
                    .name(BenchServers.CLUSTER_NAME)
                    .walNodes(WAL_NODES, WAL_GROUPS)
                    .catalog()
                    .walIn(LocalCluster.Placement.PROCESS)
                    .walOptions(i -> BenchServers.METRICS_OFF)
                    .launcher(BenchServers.launcher(nodeHeap, List.of()))
                    .shards(SHARDS)
                    .shardOptions(s -> BenchServers.METRICS_OFF)
                    .control(computes)
                    .controlOption("os-user", Pg.OS_USER)
                    .controlOption("compute-port-base", Integer.toString(computePortBase()))
                    .progress(progress);
            if (proxyProject != null) {
                b.proxy().controlOption("default-project", proxyProject);
            }
            return new Stack(b.start(), computes);
        } catch (IOException | RuntimeException e) {
            BenchDataDir.deleteTree(computes); // nothing mounted there yet
            throw e;
        }
    }

    /**
     * Below the kernel's ephemeral port range. The control plane probes a free port and Postgres
     * binds it seconds later (after the lease, the claim and the mount); inside the ephemeral range
     * (where {@code FreePorts} picks) any outgoing connection on the machine may take it meanwhile,
     * and Postgres fails with "Address already in use".
     */
    static int computePortBase() {
        int low = 32768;
        try {
            String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .getFirst()
                    .trim()
                    .split("\\s+");
            low = Integer.parseInt(range[0]);
        } catch (IOException | RuntimeException e) {
            // not Linux: assume the Linux default (Files.readString reads /proc files short: use readAllLines)
        }
        int base = low - 2 * ControlConfig.COMPUTE_PORTS_MAX;
        if (base < 10_000) {
            throw new IllegalStateException(
                    "the ephemeral port range starts at " + low + "; no room below it for computes");
        }
        return base;
    }

    WalClient walClient() {
        return cluster.walClient();
    }

    CatalogClient catalogClient() {
        return CatalogClient.connect(cluster.wal(), CatalogClientConfig.DEFAULT);
    }

    PageStoreClient pageStoreClient() {
        return new PageStoreClient(cluster.shardAddresses(), PageStoreClientConfig.DEFAULT);
    }

    int proxyPort() {
        return cluster.proxyPort();
    }

    /** Ops that ratis-wal holds for some shard and that shard has not made durable yet, summed. */
    static long ingestLagOps(PageStoreClient ps) {
        long lag = 0;
        for (int s = 0; s < ps.shardCount(); s++) {
            StatusReply r = ps.status(s);
            for (TimelineIngest t : r.getTimelinesList()) {
                lag += Math.max(0, t.getLastSeq() - t.getIngestedSeq());
            }
        }
        return lag;
    }

    private PageStoreServer shard(int s) {
        return cluster.shard(s).server(PageStoreServer.class);
    }

    /** GetBlocks calls the shards answered so far, by how (their {@code pagestore.getblocks.*} timers). */
    Reads reads() {
        long hit = 0;
        long waited = 0;
        long miss = 0;
        for (int i = 0; i < SHARDS; i++) {
            var timers = shard(i).metrics().getTimers();
            hit += timers.get("pagestore.getblocks.hit").getCount();
            waited += timers.get("pagestore.getblocks.wait").getCount();
            miss += timers.get("pagestore.getblocks.miss").getCount();
        }
        return new Reads(hit, waited, miss);
    }

    /**
     * Median and 99th percentile, in milliseconds, of each shard's GetBlocks calls that had to wait
     * for ingestion ({@code pagestore.getblocks.wait}; a decaying reservoir, so mostly the last
     * minutes), as "shard: p50 / p99 ms (count)" per shard.
     */
    String waitedReads() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < SHARDS; i++) {
            var t = shard(i).metrics().getTimers().get("pagestore.getblocks.wait");
            var s = t.getSnapshot();
            b.append(b.isEmpty() ? "" : "; ")
                    .append(String.format(
                            Locale.ROOT,
                            "shard %d: %.0f / %.0f ms (%d " + "calls in the run)",
                            i,
                            s.getMedian() / 1e6,
                            s.get99thPercentile() / 1e6,
                            t.getCount()));
        }
        return b.toString();
    }

    /**
     * GetBlocks calls: answered at once with every block present, after waiting until the shard had
     * ingested the seq the caller named (a compute reading right after its own writes), or with some
     * block absent.
     */
    record Reads(long hit, long waited, long miss) {
        Reads minus(Reads o) {
            return new Reads(hit - o.hit, waited - o.waited, miss - o.miss);
        }

        long calls() {
            return hit + waited + miss;
        }
    }

    /** Fails the run when a node process has died (its log says why). */
    void checkNodesAlive() throws IOException {
        for (Part n : cluster.walNodes()) {
            if (!n.running()) {
                throw new IOException("ratis-wal node " + n.name() + " is no longer running; its log, " + n.log()
                        + ", ends:\n" + tail(n.log()));
            }
        }
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Stops the computes cleanly (the control plane does), then the shards, then the node processes.
     * Only the first call does anything (the bench also calls it from a shutdown hook).
     */
    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            cluster.close();
        }
    }
}
