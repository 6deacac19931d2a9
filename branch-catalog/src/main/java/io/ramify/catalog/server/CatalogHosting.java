package io.ramify.catalog.server;

import io.ramify.catalog.client.CatalogGroup;
import io.ramify.raft.host.HostedGroup;
import io.ramify.wal.client.WalCluster;
import java.util.List;

/**
 * Plugs the catalog into ratis-wal nodes: {@code config.withHostedGroup(CatalogHosting.hostedOn(
 * cluster))} makes a {@code WalServer} host the catalog's Raft group (every node a peer, id from the
 * cluster name) beside its WAL groups, with a {@link CatalogStateMachine} per division.
 */
public final class CatalogHosting {
    /** The name of the catalog group in logs, gauges ({@code wal.catalog.*}) and /health. */
    public static final String NAME = "catalog";

    private CatalogHosting() {}

    public static HostedGroup hostedOn(WalCluster cluster) {
        return new CatalogHostingProvider()
                .hostedOn(cluster.name(), List.copyOf(CatalogGroup.of(cluster).getPeers()));
    }
}
