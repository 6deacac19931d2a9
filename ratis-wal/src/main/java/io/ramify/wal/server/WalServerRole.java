package io.ramify.wal.server;

import io.ramify.common.server.RunningServer;
import io.ramify.common.server.ServerOptions;
import io.ramify.common.server.ServerRole;
import io.ramify.raft.host.HostedGroupProvider;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.ratis.protocol.RaftPeer;

/**
 * A ratis-wal node from the options of {@code ramify wal-server}; {@code host} names the extra
 * groups it hosts, comma-separated ({@code catalog}).
 */
public final class WalServerRole implements ServerRole {
    public static final String NAME = "wal-server";
    static final Set<String> OPTIONS = Set.of(
            "node-id",
            "nodes",
            "cluster-name",
            "groups",
            "data-dir",
            "metrics-port",
            "snapshot-every-entries",
            "segment-size-max-bytes",
            "election-timeout-min-ms",
            "host");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RunningServer start(ServerOptions o) throws IOException {
        WalServerConfig cfg = config(o);
        WalServer server = WalServer.start(cfg);
        String id = cfg.nodeId();
        String describe = "ratis-wal node " + id + " (hosting "
                + cfg.hostedGroups().stream().map(h -> h.name()).toList() + "): raft "
                + cfg.cluster().node(id).address() + ", metrics "
                + (server.metricsPort() < 0
                        ? "off"
                        : "http://" + cfg.cluster().node(id).host() + ":" + server.metricsPort());
        return RunningServer.of(describe, server);
    }

    /** The node's configuration; an option out of range is an {@link IllegalArgumentException} naming it. */
    public static WalServerConfig config(ServerOptions o) {
        o.onlyOf(OPTIONS);
        List<WalCluster.Node> nodes = WalCluster.parseNodes(o.string("nodes"));
        WalCluster cluster =
                new WalCluster(o.string("cluster-name", "ramify"), nodes, o.integer("groups", nodes.size()));
        WalServerConfig c = new WalServerConfig(
                cluster,
                o.string("node-id"),
                o.path("data-dir"),
                o.integer("metrics-port", 0),
                o.number("snapshot-every-entries", WalServerConfig.Defaults.SNAPSHOT_EVERY_ENTRIES),
                o.millis("election-timeout-min-ms", WalServerConfig.Defaults.ELECTION_TIMEOUT_MIN),
                o.number("segment-size-max-bytes", WalServerConfig.Defaults.SEGMENT_SIZE_MAX_BYTES));
        List<RaftPeer> peers = new ArrayList<>();
        for (WalCluster.Node n : nodes) {
            peers.add(
                    RaftPeer.newBuilder().setId(n.id()).setAddress(n.address()).build());
        }
        for (String h : o.string("host", "").split(",")) {
            if (!h.isBlank()) {
                c = c.withHostedGroup(HostedGroupProvider.named(h.strip()).hostedOn(cluster.name(), peers));
            }
        }
        return c;
    }
}
