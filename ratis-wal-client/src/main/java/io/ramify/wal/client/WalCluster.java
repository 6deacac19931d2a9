package io.ramify.wal.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The shape of a ratis-wal cluster that servers and clients agree on: its name, its nodes, and
 * how many Raft groups they host. Group ids are derived from the cluster name, so every node and
 * client computes the same groups without coordination. Every peer has the same Ratis priority:
 * with priorities, a leader hands its group to the higher-priority peer whenever that one has
 * caught up, and with another node frozen that hand-over failed and was retried over and over,
 * refusing writes for more than 30 s (the chaos crash loop saw it on CI). Leaders are spread
 * instead by an explicit, one-shot {@link WalClient#balanceLeaders}: group {@code i} goes to its
 * {@link #preferredNode} {@code i mod nodes}.
 */
public record WalCluster(String name, List<Node> nodes, int groupCount) {
    /** One node: id {@code n0}, {@code n1}, ... and its Raft (gRPC) address. */
    public record Node(String id, String host, int port) {
        public String address() {
            return host + ":" + port;
        }
    }

    public WalCluster {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a cluster needs at least one node");
        }
        if (groupCount < 1 || groupCount > 64) {
            throw new IllegalArgumentException("group count must be 1..64, got " + groupCount);
        }
        if (!name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException(
                    "cluster name must be lower-case letters, digits and '-': '" + name + "'");
        }
        nodes = List.copyOf(nodes);
    }

    /** Parses {@code n0=127.0.0.1:9870,n1=127.0.0.1:9871,...}. */
    public static List<Node> parseNodes(String spec) {
        List<Node> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            int colon = p.lastIndexOf(':');
            if (eq <= 0 || colon < eq) {
                throw new IllegalArgumentException("node must be ID=HOST:PORT, got '" + p + "' in '" + spec + "'");
            }
            try {
                out.add(new Node(
                        p.substring(0, eq), p.substring(eq + 1, colon), Integer.parseInt(p.substring(colon + 1))));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + p + "'", e);
            }
        }
        return out;
    }

    public RaftGroupId groupId(int index) {
        String seed = "ramify-wal/" + name + "/" + index;
        return RaftGroupId.valueOf(UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)));
    }

    public RaftGroup group(int index) {
        List<RaftPeer> peers = new ArrayList<>();
        for (int j = 0; j < nodes.size(); j++) {
            Node n = nodes.get(j);
            peers.add(
                    RaftPeer.newBuilder().setId(n.id()).setAddress(n.address()).build());
        }
        return RaftGroup.valueOf(groupId(index), peers);
    }

    /** The node that should lead group {@code index} when every node is up: leaders spread evenly. */
    public Node preferredNode(int index) {
        return nodes.get(index % nodes.size());
    }

    public Node node(String id) {
        return nodes.stream()
                .filter(n -> n.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("node '" + id + "' is not in cluster " + nodes));
    }

    public RaftPeerId peerId(String id) {
        return RaftPeerId.valueOf(node(id).id());
    }
}
