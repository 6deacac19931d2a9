package io.ramify.pagestore.server;

import ch.qos.logback.classic.Level;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/**
 * Page-store shards of a {@link LocalCluster} (3 ratis-wal nodes started at once, shards only when
 * a test starts them), seen from inside this JVM. The cluster itself is the fixture's.
 */
final class PageStoreRig implements AutoCloseable {
    static {
        // Ratis logs a lot at DEBUG; keep test output to what matters.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.WARN);
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.ramify")).setLevel(Level.INFO);
    }

    final LocalCluster local;
    final WalCluster cluster;
    final int shardCount;

    PageStoreRig(Path root, int shardCount) throws IOException {
        this(root, shardCount, Map.of());
    }

    /** {@code shardOptions}: {@code page-store} options of every shard, e.g. {@code ops-per-pull}. */
    PageStoreRig(Path root, int shardCount, Map<String, String> shardOptions) throws IOException {
        this(root, shardCount, shardOptions, 3, LocalCluster.Placement.IN_JVM);
    }

    /**
     * {@code walNodes} ratis-wal nodes (one group each) in this JVM or each in a process of its own,
     * as the benchmarks run them (a test that starves this JVM's common pool must not starve them).
     */
    PageStoreRig(
            Path root,
            int shardCount,
            Map<String, String> shardOptions,
            int walNodes,
            LocalCluster.Placement walPlacement)
            throws IOException {
        this.shardCount = shardCount;
        local = LocalCluster.builder(root)
                .name("test")
                .walNodes(walNodes, walNodes)
                .walIn(walPlacement)
                .shards(shardCount)
                .shardOptions(s -> shardOptions)
                .build();
        cluster = local.wal();
        try {
            List<Part.Waiter> waits = new ArrayList<>();
            for (Part p : local.walNodes()) {
                waits.add(p.startAsync());
            }
            for (Part.Waiter w : waits) {
                w.await();
            }
            local.awaitWalGroups();
        } catch (IOException | RuntimeException e) {
            local.close();
            throw e;
        }
    }

    Path shardDir(int shard) {
        return local.shard(shard).dataDir();
    }

    PageStoreServer start(int shard) throws IOException {
        local.shard(shard).start();
        return shard(shard);
    }

    void stop(int shard) throws IOException {
        local.shard(shard).stop();
    }

    PageStoreServer shard(int i) {
        return local.shard(i).server(PageStoreServer.class);
    }

    WalClient walClient() {
        return WalClient.connect(
                cluster,
                new WalClientConfig(
                        Duration.ofSeconds(3), 20, Duration.ofMillis(100), Duration.ofSeconds(1), 64 << 10, 8L << 20));
    }

    PageStoreClient client() {
        return new PageStoreClient(local.shardAddresses(), PageStoreClientConfig.DEFAULT);
    }

    /** Waits until every running shard in this JVM has ingested {@code tl} up to {@code seq}. */
    void awaitIngested(TimelineId tl, long seq, Duration timeout) throws InterruptedException {
        awaitTrue(
                () -> {
                    for (Part p : local.shards()) {
                        if (p.running()
                                && p.placement() == LocalCluster.Placement.IN_JVM
                                && p.server(PageStoreServer.class).ingested(tl) < seq) {
                            return false;
                        }
                    }
                    return true;
                },
                timeout,
                () -> "shards did not ingest " + tl.shortForm() + " up to " + seq + ": " + describe());
    }

    String describe() {
        StringBuilder b = new StringBuilder();
        for (Part p : local.shards()) {
            b.append("\n ")
                    .append(p.name())
                    .append(": ")
                    .append(
                            p.running() && p.placement() == LocalCluster.Placement.IN_JVM
                                    ? p.server(PageStoreServer.class).healthJson()
                                    : p.running() ? "in a process" : "stopped");
        }
        return b.toString();
    }

    static void awaitTrue(BooleanSupplier cond, Duration timeout, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what.get() + " (after " + timeout + ")");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() throws IOException {
        local.close();
    }
}
