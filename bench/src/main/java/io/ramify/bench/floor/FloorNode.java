package io.ramify.bench.floor;

import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;

/**
 * A bare Ratis server in a JVM of its own: one group, ratis-wal's Raft settings
 * ({@link WalServer#raftProperties}), and a state machine that does nothing but advance its applied
 * index. What a one-entry commit costs here is the floor under ratis-wal's cost. Prints {@value
 * #READY} once it serves; exits when its parent does.
 */
public final class FloorNode {
    static final String READY = "ready";

    private FloorNode() {}

    /** Args: CLUSTER ID=HOST:PORT,... NODE_ID DATA_DIR. */
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: FloorNode CLUSTER ID=HOST:PORT,... NODE_ID DATA_DIR");
            System.exit(2);
        }
        WalCluster cluster = new WalCluster(args[0], WalCluster.parseNodes(args[1]), 1);
        WalServerConfig c = WalServerConfig.of(cluster, args[2], Path.of(args[3]), -1);
        RaftServer s = RaftServer.newBuilder()
                .setServerId(cluster.peerId(args[2]))
                .setGroup(cluster.group(0))
                .setProperties(WalServer.raftProperties(c, cluster.node(args[2])))
                .setStateMachine(new Nothing())
                .setOption(RaftStorage.StartupOption.FORMAT)
                .build();
        s.start();
        System.out.println(READY);
        System.out.flush();
        io.ramify.bench.ParentWatch.exitWhenParentExits();
    }

    /** Applies nothing: each entry only advances the applied index. */
    static final class Nothing extends BaseStateMachine {
        @Override
        public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
            updateLastAppliedTermIndex(
                    trx.getLogEntry().getTerm(), trx.getLogEntry().getIndex());
            return CompletableFuture.completedFuture(Message.EMPTY);
        }
    }
}
