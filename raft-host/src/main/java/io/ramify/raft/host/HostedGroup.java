package io.ramify.raft.host;

import com.codahale.metrics.MetricRegistry;
import java.util.function.Function;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.statemachine.StateMachine;

/**
 * A Raft group with a state machine of its own, hosted by a node's Ratis server beside the groups
 * the node exists for (multi-Raft): the branch catalog on the ratis-wal nodes. Ratis calls {@code
 * stateMachine} once per division it creates for the group, on start and when the group is first
 * added; it gets the node's metric registry.
 *
 * @param name short name for logs, metrics and /health, e.g. {@code catalog}
 * @param group the group's id and peers; the hosting node must be one of the peers
 */
public record HostedGroup(String name, RaftGroup group, Function<MetricRegistry, StateMachine> stateMachine) {
    public HostedGroup {
        if (!name.matches("[a-z][a-z0-9-]{0,31}") || name.matches("group[0-9]+")) {
            throw new IllegalArgumentException("hosted group name must be lower-case letters, digits and '-', and not "
                    + "groupN (the WAL groups' names): '" + name + "'");
        }
    }
}
