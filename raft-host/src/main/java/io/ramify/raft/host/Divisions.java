package io.ramify.raft.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;

/**
 * A group's divisions on Ratis servers running in this JVM, for tests that look at one replica:
 * which node leads, and when a node has applied what the leader committed. A stopped server is
 * {@code null} in the list.
 */
public final class Divisions {
    private static final long POLL_MILLIS = 50;

    private Divisions() {}

    public static RaftServer.Division of(RaftServer server, RaftGroupId group) {
        try {
            return server.getDivision(group);
        } catch (IOException e) {
            throw new UncheckedIOException("no division of " + group + " on " + server.getId(), e);
        }
    }

    /** The index of the server leading {@code group} (leader and ready), waiting up to {@code max}. */
    public static int leader(List<RaftServer> servers, RaftGroupId group, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < servers.size(); i++) {
                if (servers.get(i) != null) {
                    RaftServer.Division d = of(servers.get(i), group);
                    if (d.getInfo().isLeader() && d.getInfo().isLeaderReady()) {
                        return i;
                    }
                }
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new AssertionError("no leader of " + group + " within " + max);
    }

    /** Waits until server {@code node} has applied everything the leader of {@code group} has committed. */
    public static void awaitCaughtUp(List<RaftServer> servers, int node, RaftGroupId group, Duration max)
            throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            long target = of(servers.get(leader(servers, group, max)), group)
                    .getRaftLog()
                    .getLastCommittedIndex();
            long applied = of(servers.get(node), group).getInfo().getLastAppliedIndex();
            if (applied >= target) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node " + node + " applied " + applied + " of " + group
                        + ", the leader committed " + target + ", after " + max);
            }
            Thread.sleep(2 * POLL_MILLIS);
        }
    }
}
