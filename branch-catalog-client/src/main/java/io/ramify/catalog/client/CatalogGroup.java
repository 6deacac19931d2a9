package io.ramify.catalog.client;

import io.ramify.wal.client.WalCluster;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The catalog's Raft group on a ratis-wal cluster: every node is a peer, and the group id is
 * derived from the cluster name (as {@link WalCluster} derives its WAL groups), so servers and
 * clients agree on it without coordination. No peer is preferred as leader.
 */
public final class CatalogGroup {
    private CatalogGroup() {}

    public static RaftGroupId id(WalCluster cluster) {
        return id(cluster.name());
    }

    /** The catalog group's id on the ratis-wal cluster called {@code clusterName}. */
    public static RaftGroupId id(String clusterName) {
        String seed = "ramify-catalog/" + clusterName;
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)));
    }

    public static RaftGroup of(WalCluster cluster) {
        List<RaftPeer> peers = new ArrayList<>();
        for (WalCluster.Node n : cluster.nodes()) {
            peers.add(
                    RaftPeer.newBuilder().setId(n.id()).setAddress(n.address()).build());
        }
        return RaftGroup.valueOf(id(cluster), peers);
    }
}
