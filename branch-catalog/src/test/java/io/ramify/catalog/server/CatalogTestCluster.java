package io.ramify.catalog.server;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.catalog.client.CatalogGroup;
import io.ramify.catalog.core.CoreHarness;
import io.ramify.cluster.LocalCluster;
import io.ramify.kv.RocksKv;
import io.ramify.raft.host.Divisions;
import io.ramify.raft.host.GroupDb;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.server.RaftServer;

/**
 * The catalog group of a {@link LocalCluster}'s ratis-wal nodes, in this JVM, seen from inside: a
 * node's division and its replica of the catalog database. The cluster itself (ports,
 * directories, start, stop) is the fixture's.
 */
final class CatalogTestCluster implements AutoCloseable {
    static final Duration ELECTION_MAX = Duration.ofSeconds(30);
    final LocalCluster local;
    final WalCluster cluster;

    CatalogTestCluster(Path root, int nodes, int walGroups, long snapshotEveryEntries) throws IOException {
        this(root, nodes, walGroups, snapshotEveryEntries, 1 << 20);
    }

    /**
     * {@code segmentSizeMaxBytes}: Ratis purges only closed log segments, and catalog entries are a
     * few hundred bytes, so a test that needs a purged log uses small segments.
     */
    CatalogTestCluster(Path root, int nodes, int walGroups, long snapshotEveryEntries, long segmentSizeMaxBytes)
            throws IOException {
        local = LocalCluster.builder(root)
                .name("test")
                .walNodes(nodes, walGroups)
                .catalog()
                .walOptions(i -> Map.of(
                        "snapshot-every-entries",
                        Long.toString(snapshotEveryEntries),
                        "segment-size-max-bytes",
                        Long.toString(segmentSizeMaxBytes)))
                .start();
        cluster = local.wal();
    }

    Path dataDir(int node) {
        return local.walNode(node).dataDir();
    }

    /** The catalog group's directory on a node: raft log, and sm/ with the database and snapshots. */
    Path catalogDir(int node) {
        return dataDir(node).resolve(CatalogGroup.id(cluster).getUuid().toString());
    }

    void start(int node) throws IOException {
        local.walNode(node).start();
    }

    void stop(int node) throws IOException {
        local.walNode(node).stop();
    }

    WalServer server(int node) {
        return local.walNode(node).server(WalServer.class);
    }

    CatalogClient client() {
        return CatalogClient.connect(
                cluster,
                new CatalogClientConfig(Duration.ofSeconds(2), 10, 3, Duration.ofMillis(100), Duration.ofSeconds(1)));
    }

    RaftServer.Division division(int node) {
        return Divisions.of(server(node).raftServer(), CatalogGroup.id(cluster));
    }

    private List<RaftServer> raftServers() {
        List<RaftServer> out = new ArrayList<>();
        local.walNodes()
                .forEach(p -> out.add(p.running() ? p.server(WalServer.class).raftServer() : null));
        return out;
    }

    /** The index of the node leading the catalog group, waiting for an election. */
    int catalogLeader() throws InterruptedException {
        return Divisions.leader(raftServers(), CatalogGroup.id(cluster), ELECTION_MAX);
    }

    /** Waits until {@code node} has applied everything the catalog leader has committed. */
    void awaitCaughtUp(int node, Duration timeout) throws InterruptedException {
        Divisions.awaitCaughtUp(raftServers(), node, CatalogGroup.id(cluster), timeout);
    }

    /**
     * Every key and value of one replica's catalog database except the applied index: replicas that
     * applied the same entries are equal byte for byte, request log included.
     */
    Map<String, String> replica(int node) throws IOException {
        GroupDb db = ((CatalogStateMachine) division(node).getStateMachine()).database();
        try (RocksKv snap = RocksKv.snapshot(db.rocks())) {
            Map<String, String> all = CoreHarness.dump(snap);
            all.remove("41"); // 'A': the applied term and index, which differ by Raft configuration entries
            return all;
        }
    }

    @Override
    public void close() throws IOException {
        local.close();
    }
}
