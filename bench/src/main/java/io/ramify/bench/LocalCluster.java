package io.ramify.bench;

import io.ramify.cluster.FreePorts;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Three ratis-wal nodes in this JVM on loopback ports, each with its own data directory (so each
 * has its own Raft log and RocksDB, and fsyncs its own files), hosting three groups.
 */
final class LocalCluster implements AutoCloseable {
  static final int NODES = 3;
  static final int GROUPS = 3;
  private static final String NAME = "bench";
  /** How long to wait for every group to be led by its preferred node. */
  private static final long SETTLE_MILLIS = 60_000;

  final WalCluster cluster;
  private final List<WalServer> servers = new ArrayList<>();

  LocalCluster(Path dataDir) throws IOException {
    List<WalCluster.Node> nodes = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      nodes.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    cluster = new WalCluster(NAME, nodes, GROUPS);
    try {
      for (WalCluster.Node n : nodes) {
        servers.add(WalServer.start(WalServerConfig.of(cluster, n.id(), dataDir.resolve(n.id()), -1)));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Moves each group's leadership to its preferred node (g mod 3) and waits until it is there, so
   * no leader change falls into a measurement and leaders (and their CPU) are spread evenly.
   */
  void awaitPreferredLeaders() throws IOException, InterruptedException {
    try (WalClient c = WalClient.connect(cluster, WalClientConfig.DEFAULT)) {
      if (!c.awaitBalancedLeaders(java.time.Duration.ofMillis(SETTLE_MILLIS))) {
        throw new IOException("groups are not led by their preferred nodes after " + SETTLE_MILLIS + " ms");
      }
    }
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (WalServer s : servers) {
      try {
        s.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    servers.clear();
    if (first != null) {
      throw first;
    }
  }
}
