package io.ramify.catalog.server;

import io.ramify.catalog.core.CoreHarness;
import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.catalog.client.CatalogGroup;
import io.ramify.kv.RocksKv;
import io.ramify.cluster.FreePorts;
import io.ramify.wal.client.WalCluster;
import io.ramify.raft.host.GroupDb;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.ratis.server.RaftServer;

/**
 * Real ratis-wal nodes on loopback ports, each with its own data directory, in this JVM, hosting
 * their WAL groups and the catalog group. Nodes can be stopped, restarted on the same directory, or
 * restarted after their directory was deleted. (The ratis-wal harness of the same shape lives in
 * that module's tests, which other modules cannot see.)
 */
final class CatalogTestCluster implements AutoCloseable {
  final WalCluster cluster;
  private final Path root;
  private final long snapshotEveryEntries;
  private final long segmentSizeMaxBytes;
  private final WalServer[] servers;

  CatalogTestCluster(Path root, int nodes, int walGroups, long snapshotEveryEntries) throws IOException {
    this(root, nodes, walGroups, snapshotEveryEntries, 1 << 20);
  }

  /**
   * {@code segmentSizeMaxBytes}: Ratis purges only closed log segments, and catalog entries are a
   * few hundred bytes, so a test that needs a purged log uses small segments.
   */
  CatalogTestCluster(Path root, int nodes, int walGroups, long snapshotEveryEntries, long segmentSizeMaxBytes)
      throws IOException {
    this.segmentSizeMaxBytes = segmentSizeMaxBytes;
    List<WalCluster.Node> ns = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      ns.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    this.cluster = new WalCluster("test", ns, walGroups);
    this.root = root;
    this.snapshotEveryEntries = snapshotEveryEntries;
    this.servers = new WalServer[nodes];
    for (int i = 0; i < nodes; i++) {
      start(i);
    }
  }

  Path dataDir(int node) {
    return root.resolve("n" + node);
  }

  /** The catalog group's directory on a node: raft log, and sm/ with the database and snapshots. */
  Path catalogDir(int node) {
    return dataDir(node).resolve(CatalogGroup.id(cluster).getUuid().toString());
  }

  void start(int node) throws IOException {
    WalServerConfig c = WalServerConfig.of(cluster, "n" + node, dataDir(node), 0)
        .withSnapshotEveryEntries(snapshotEveryEntries).withSegmentSizeMaxBytes(segmentSizeMaxBytes)
        .withHostedGroup(CatalogHosting.hostedOn(cluster));
    servers[node] = WalServer.start(c);
  }

  void stop(int node) throws IOException {
    servers[node].close();
    servers[node] = null;
  }

  WalServer server(int node) {
    return servers[node];
  }

  CatalogClient client() {
    return CatalogClient.connect(cluster, new CatalogClientConfig(Duration.ofSeconds(2), 10, 3,
        Duration.ofMillis(100), Duration.ofSeconds(1)));
  }

  RaftServer.Division division(int node) throws IOException {
    return servers[node].raftServer().getDivision(CatalogGroup.id(cluster));
  }

  /** The index of the node leading the catalog group, waiting up to 30 s for an election. */
  int catalogLeader() throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      for (int i = 0; i < servers.length; i++) {
        if (servers[i] != null) {
          RaftServer.Division d = division(i);
          if (d.getInfo().isLeader() && d.getInfo().isLeaderReady()) {
            return i;
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no catalog leader within 30 s");
  }

  /** Waits until {@code node} has applied everything the catalog leader has committed. */
  void awaitCaughtUp(int node, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (true) {
      long target = division(catalogLeader()).getRaftLog().getLastCommittedIndex();
      long applied = division(node).getInfo().getLastAppliedIndex();
      if (applied >= target) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("node n" + node + " applied " + applied + " of the catalog, leader committed "
            + target + ", after " + timeout);
      }
      Thread.sleep(100);
    }
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
    for (int i = 0; i < servers.length; i++) {
      if (servers[i] != null) {
        stop(i);
      }
    }
  }
}
