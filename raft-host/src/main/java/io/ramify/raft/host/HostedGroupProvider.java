package io.ramify.raft.host;

import java.util.List;
import java.util.ServiceLoader;
import org.apache.ratis.protocol.RaftPeer;

/**
 * A {@link HostedGroup} that a node can be asked by name to host ({@code wal-server --host catalog}),
 * found with {@link ServiceLoader} ({@code META-INF/services/io.ramify.raft.host.HostedGroupProvider})
 * so that the node's module needs no compile-time dependency on the hosted group's module.
 */
public interface HostedGroupProvider {
    /** The name asked for, and the group's {@link HostedGroup#name()}. */
    String name();

    /** The group on a cluster called {@code clusterName} whose nodes are {@code peers}. */
    HostedGroup hostedOn(String clusterName, List<RaftPeer> peers);

    /** The provider called {@code name} on the class path. */
    static HostedGroupProvider named(String name) {
        for (HostedGroupProvider p : ServiceLoader.load(HostedGroupProvider.class)) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "no hosted group '" + name + "' on the class path (the catalog's is in " + "branch-catalog)");
    }
}
