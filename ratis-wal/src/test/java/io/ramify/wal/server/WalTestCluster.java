package io.ramify.wal.server;

import io.ramify.testsupport.FreePorts;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.proto.QueryRequest;
import io.ramify.wal.proto.Reply;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * Real ratis-wal nodes on loopback ports, each with its own data directory, in this JVM. Nodes can
 * be stopped, restarted on the same directory, or restarted after their directory was deleted.
 */
final class WalTestCluster implements AutoCloseable {
  final WalCluster cluster;
  private final Path root;
  private final long snapshotEveryEntries;
  private final WalServer[] servers;

  WalTestCluster(Path root, int nodes, int groups, long snapshotEveryEntries) throws IOException {
    List<WalCluster.Node> ns = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      ns.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    this.cluster = new WalCluster("test", ns, groups);
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

  void start(int node) throws IOException {
    WalServerConfig c = WalServerConfig.of(cluster, "n" + node, dataDir(node), 0)
        .withSnapshotEveryEntries(snapshotEveryEntries).withSegmentSizeMaxBytes(1 << 20);
    servers[node] = WalServer.start(c);
  }

  void stop(int node) throws IOException {
    servers[node].close();
    servers[node] = null;
  }

  boolean running(int node) {
    return servers[node] != null;
  }

  WalServer server(int node) {
    return servers[node];
  }

  WalClient client() {
    return WalClient.connect(cluster, new WalClientConfig(Duration.ofSeconds(3), 20, Duration.ofMillis(100),
        Duration.ofSeconds(1), 64 << 10, 8L << 20));
  }

  /** The index of the node leading {@code group}, waiting up to 30 s for an election. */
  int leaderOf(int group) throws Exception {
    RaftGroupId gid = cluster.groupId(group);
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      for (int i = 0; i < servers.length; i++) {
        if (servers[i] != null) {
          RaftServer.Division d = servers[i].raftServer().getDivision(gid);
          if (d.getInfo().isLeader() && d.getInfo().isLeaderReady()) {
            return i;
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no leader for group " + group + " within 30 s");
  }

  RaftServer.Division division(int node, int group) throws IOException {
    return servers[node].raftServer().getDivision(cluster.groupId(group));
  }

  /** Asks one node's own state machine, bypassing Raft: what that replica has applied. */
  Reply localQuery(int node, int group, QueryRequest q) throws Exception {
    WalStateMachine sm = (WalStateMachine) division(node, group).getStateMachine();
    Message m = sm.query(Message.valueOf(ByteString.copyFrom(q.toByteArray()))).get();
    return Reply.parseFrom(m.getContent().toByteArray());
  }

  /** Waits until {@code node} has applied everything the leader of {@code group} has committed. */
  void awaitCaughtUp(int node, int group, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (true) {
      int leader = leaderOf(group);
      long target = division(leader, group).getRaftLog().getLastCommittedIndex();
      long applied = division(node, group).getInfo().getLastAppliedIndex();
      if (applied >= target) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("node n" + node + " applied " + applied + " of group " + group
            + ", leader committed " + target + ", after " + timeout);
      }
      Thread.sleep(100);
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
