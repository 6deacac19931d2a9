package io.ramify.adapter.compute;

import io.ramify.cluster.FreePorts;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The storage cluster of a {@link LocalCluster} for compute tests (3 ratis-wal nodes, 2 page-store
 * shards in this JVM), with what compute tests ask of it. The cluster itself is the fixture's.
 */
final class ClusterRig implements AutoCloseable {
    static final int SHARDS = 2;
    /** Bound on a shard listing a new timeline (shards discover timelines by polling ratis-wal). */
    static final long KNOWN_WAIT_MAX_MILLIS = 60_000;

    final LocalCluster local;
    final WalCluster wal;
    final List<String> shardAddresses;

    ClusterRig(Path root) throws IOException {
        this(root, false);
    }

    /**
     * With {@code separateWalProcesses}, each ratis-wal node runs in its own JVM (so a test can kill
     * it). History window 0 and no automatic collection: tests collect garbage when they choose to.
     */
    ClusterRig(Path root, boolean separateWalProcesses) throws IOException {
        local = LocalCluster.builder(root)
                .name("rig")
                .walNodes(3, 3)
                .shards(SHARDS)
                .shardOptions(s -> Map.of("history-window-minutes", "0", "gc-interval-seconds", Long.toString(86_400)))
                .walIn(separateWalProcesses ? LocalCluster.Placement.PROCESS : LocalCluster.Placement.IN_JVM)
                .start();
        wal = local.wal();
        shardAddresses = local.shardAddresses();
    }

    /** The shards' servers in this JVM. */
    List<PageStoreServer> shards() {
        return local.shards().stream().map(p -> p.server(PageStoreServer.class)).toList();
    }

    /** kill -9 of a ratis-wal node process. */
    void killWalProcess(int i) {
        local.walNode(i).kill();
    }

    /** Starts a killed ratis-wal node process again on its data directory; waits until it serves. */
    void restartWalProcess(int i) throws IOException {
        local.walNode(i).start();
    }

    int nodeIndex(String nodeId) {
        for (int i = 0; i < wal.nodes().size(); i++) {
            if (wal.nodes().get(i).id().equals(nodeId)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no node " + nodeId);
    }

    /** A compute on {@code tl} of this cluster, mounted at {@code dir/mnt-NAME}, running as postgres. */
    Compute.Config computeConfig(TimelineId tl, Path dir, String name) {
        return new Compute.Config(
                wal,
                shardAddresses,
                tl,
                dir.resolve("mnt-" + name),
                dir.resolve("work-" + name),
                FreePorts.next(),
                "postgres",
                ComputeOnClusterTest.id("-u"),
                ComputeOnClusterTest.id("-g"));
    }

    /** The ratis-wal nodes as {@code ID=HOST:PORT,...}. */
    String walNodesSpec() {
        return local.nodesSpec();
    }

    /** Waits (bounded) until every shard lists {@code tl}: shards discover new timelines by polling. */
    void awaitKnown(TimelineId tl) throws InterruptedException {
        long deadline = System.currentTimeMillis() + KNOWN_WAIT_MAX_MILLIS;
        for (Part p : local.shards()) {
            PageStoreServer s = p.server(PageStoreServer.class);
            while (!s.healthJson().contains(tl.hex())) {
                if (System.currentTimeMillis() > deadline) {
                    throw new AssertionError("shard did not discover timeline " + tl + ": " + s.healthJson());
                }
                Thread.sleep(50);
            }
        }
    }

    @Override
    public void close() throws IOException {
        local.close();
    }
}
