package io.ramify.bench;

import io.ramify.testsupport.FreePorts;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

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
  private static final long POLL_MILLIS = 50;

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
   * Waits until each group is led by the node its priority prefers. A group first led by another
   * node hands leadership over a little later, and a leader change in the middle of a measurement
   * would show up as a latency spike that has nothing to do with steady-state appends.
   */
  void awaitPreferredLeaders() throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + SETTLE_MILLIS;
    for (int g = 0; g < GROUPS; g++) {
      String preferred = cluster.nodes().get(g % NODES).id();
      while (!ledBy(g, preferred)) {
        if (System.currentTimeMillis() > deadline) {
          throw new IOException("group " + g + " is not led by " + preferred + " after " + SETTLE_MILLIS + " ms");
        }
        Thread.sleep(POLL_MILLIS);
      }
    }
  }

  private boolean ledBy(int group, String nodeId) throws IOException {
    for (WalServer s : servers) {
      RaftServer.Division d = s.raftServer().getDivision(cluster.groupId(group));
      if (d.getInfo().isLeader()) {
        return d.getId().equals(RaftPeerId.valueOf(nodeId)) && d.getInfo().isLeaderReady();
      }
    }
    return false;
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
