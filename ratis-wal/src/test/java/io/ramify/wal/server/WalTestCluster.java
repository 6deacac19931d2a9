package io.ramify.wal.server;

import io.ramify.cluster.LocalCluster;
import io.ramify.raft.host.Divisions;
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
import java.util.Map;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * ratis-wal nodes of a {@link LocalCluster} in this JVM, seen from inside: a node's Raft division
 * and state machine. The cluster itself (ports, directories, start, stop) is the fixture's.
 */
final class WalTestCluster implements AutoCloseable {
    static final Duration ELECTION_MAX = Duration.ofSeconds(30);
    final LocalCluster local;
    final WalCluster cluster;

    WalTestCluster(Path root, int nodes, int groups, long snapshotEveryEntries) throws IOException {
        local = LocalCluster.builder(root)
                .name("test")
                .walNodes(nodes, groups)
                .walOptions(i -> Map.of(
                        "snapshot-every-entries",
                        Long.toString(snapshotEveryEntries),
                        "segment-size-max-bytes",
                        Long.toString(1 << 20)))
                .start();
        cluster = local.wal();
    }

    Path dataDir(int node) {
        return local.walNode(node).dataDir();
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

    WalClient client() {
        return WalClient.connect(
                cluster,
                new WalClientConfig(
                        Duration.ofSeconds(3), 20, Duration.ofMillis(100), Duration.ofSeconds(1), 64 << 10, 8L << 20));
    }

    private List<RaftServer> raftServers() {
        List<RaftServer> out = new ArrayList<>();
        local.walNodes()
                .forEach(p -> out.add(p.running() ? p.server(WalServer.class).raftServer() : null));
        return out;
    }

    /** The index of the node leading {@code group}, waiting for an election. */
    int leaderOf(int group) throws InterruptedException {
        return Divisions.leader(raftServers(), cluster.groupId(group), ELECTION_MAX);
    }

    RaftServer.Division division(int node, int group) {
        return Divisions.of(server(node).raftServer(), cluster.groupId(group));
    }

    /** Asks one node's own state machine, bypassing Raft: what that replica has applied. */
    Reply localQuery(int node, int group, QueryRequest q) throws Exception {
        WalStateMachine sm = (WalStateMachine) division(node, group).getStateMachine();
        Message m =
                sm.query(Message.valueOf(ByteString.copyFrom(q.toByteArray()))).get();
        return Reply.parseFrom(m.getContent().toByteArray());
    }

    /** Waits until {@code node} has applied everything the leader of {@code group} has committed. */
    void awaitCaughtUp(int node, int group, Duration timeout) throws InterruptedException {
        Divisions.awaitCaughtUp(raftServers(), node, cluster.groupId(group), timeout);
    }

    @Override
    public void close() throws IOException {
        local.close();
    }
}
