package io.ramify.catalog.server;

import io.ramify.catalog.client.CatalogGroup;
import io.ramify.catalog.core.CatalogState;
import io.ramify.raft.host.HostedGroup;
import io.ramify.raft.host.HostedGroupProvider;
import java.util.List;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;

/** The catalog as a group a ratis-wal node hosts when asked for {@code catalog} (the local-cluster fixture does). */
public final class CatalogHostingProvider implements HostedGroupProvider {
    @Override
    public String name() {
        return CatalogHosting.NAME;
    }

    @Override
    public HostedGroup hostedOn(String clusterName, List<RaftPeer> peers) {
        return new HostedGroup(
                CatalogHosting.NAME,
                RaftGroup.valueOf(CatalogGroup.id(clusterName), peers),
                metrics -> new CatalogStateMachine(metrics, CatalogState.standard()));
    }
}
