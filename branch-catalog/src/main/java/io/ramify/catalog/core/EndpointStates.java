package io.ramify.catalog.core;

import io.ramify.catalog.proto.EndpointState;
import io.ramify.catalog.proto.Rejection.Code;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The legal moves of a branch's endpoint (its compute), in one place. Staying in a state is
 * always legal (it updates host, port or message).
 *
 * <pre>
 *   STOPPED ──► STARTING ──► RUNNING ──► SUSPENDED
 *                ▲  ▲  │        │  │          │
 *                │  │  ▼        │  │          │
 *                │  └─ FAILED ◄─┘  │          │      and from every state ──► STOPPED
 *                └─────────────────┴──────────┘      (restart, wake on connect)
 *
 *   from        to
 *   STOPPED     STARTING
 *   STARTING    RUNNING, FAILED, STOPPED
 *   RUNNING     SUSPENDED (idle), STARTING (restart), FAILED, STOPPED
 *   SUSPENDED   STARTING (a connection wakes it), STOPPED
 *   FAILED      STARTING, STOPPED
 * </pre>
 */
final class EndpointStates {
    private static final Map<EndpointState, Set<EndpointState>> NEXT = new EnumMap<>(EndpointState.class);

    static {
        NEXT.put(EndpointState.STOPPED, EnumSet.of(EndpointState.STARTING));
        NEXT.put(
                EndpointState.STARTING, EnumSet.of(EndpointState.RUNNING, EndpointState.FAILED, EndpointState.STOPPED));
        NEXT.put(
                EndpointState.RUNNING,
                EnumSet.of(
                        EndpointState.SUSPENDED, EndpointState.STARTING, EndpointState.FAILED, EndpointState.STOPPED));
        NEXT.put(EndpointState.SUSPENDED, EnumSet.of(EndpointState.STARTING, EndpointState.STOPPED));
        NEXT.put(EndpointState.FAILED, EnumSet.of(EndpointState.STARTING, EndpointState.STOPPED));
    }

    private EndpointStates() {}

    static void check(String branch, EndpointState from, EndpointState to) throws Rejected {
        if (from != to && !NEXT.getOrDefault(from, Set.of()).contains(to)) {
            throw new Rejected(
                    Code.ILLEGAL_TRANSITION,
                    "the endpoint of branch " + branch + " cannot go from " + from + " to " + to + "; from " + from
                            + " it can go to " + NEXT.get(from));
        }
    }
}
