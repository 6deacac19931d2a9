package io.ramify.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash a ratis-wal node again and again while commits flow, and check each time that it comes
 * back whole: it rejoins every group it hosts, catches up, and carries the cluster through the loss
 * of another node, with no acknowledged commit lost (issue 11: a node killed with {@code kill -9}
 * used to close every group that had applied entries since its last snapshot, for good).
 *
 * <p>Three {@code ramify wal-server} processes host three WAL groups and the branch catalog. Three
 * workloads run throughout: a fast timeline (many entries, so its group snapshots every few
 * seconds), a slow timeline in another group (a few entries a round, so that group never reaches
 * a snapshot: a crash there finds a database ahead of any snapshot, the case that broke), and
 * catalog commits. Each round, chosen by a seeded random: the leader or a follower of the fast
 * timeline's group or of the catalog is killed with SIGKILL or loses power ({@link WalNodes}),
 * stays down a moment while commits go on, and restarts; then it must report every group running
 * and caught up, and a <em>different</em> node is frozen: commits on both timelines and in the
 * catalog must still be acknowledged, which needs the restarted node's vote. Every acknowledged op
 * and project is then read back. At the end, every group's database is compared across the
 * three nodes, key for key.
 *
 * <p>{@code -Dchaos.seed=N} replays a run's choices; {@code -Dchaos.kills=N -Dchaos.powerLosses=N}
 * set the number of rounds of each fault.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class WalNodeCrashLoopTest {
    static final int NODES = 3;
    /** The branch catalog's name in /health (a hosted group). */
    static final String CATALOG = "catalog";
    /** Ratis's snapshot interval: the smallest allowed, so the fast group snapshots often. */
    static final long SNAPSHOT_EVERY_ENTRIES = 100;

    static final int KILL_ROUNDS = Integer.getInteger("chaos.kills", 20);
    static final int POWER_LOSS_ROUNDS = Integer.getInteger("chaos.powerLosses", 10);
    /** How long a restarted node may take to report every group running and caught up. */
    static final Duration REJOIN_MAX = Duration.ofSeconds(60);
    /** How long commits may stall while another node is frozen (an election plus a client retry). */
    static final Duration PROGRESS_MAX = Duration.ofSeconds(30);

    /**
     * Clients that give up on a silent node after 2 s rather than the default 5 s (3 s for the
     * catalog): a frozen leader then costs a round seconds less; more attempts keep the total the same.
     */
    static final WalClientConfig WAL_CLIENT = new WalClientConfig(
            Duration.ofSeconds(2),
            30,
            Duration.ofMillis(100),
            Duration.ofSeconds(1),
            WalClientConfig.DEFAULT.batchBytesTarget(),
            WalClientConfig.DEFAULT.inFlightBytesMax());

    static final CatalogClientConfig CATALOG_CLIENT =
            new CatalogClientConfig(Duration.ofSeconds(2), 8, 4, Duration.ofMillis(100), Duration.ofSeconds(1));

    enum Fault {
        SIGKILL,
        POWER_LOSS
    }

    @TempDir
    Path dir;

    @Test
    void aCrashedNodeRejoinsEveryGroupAndCarriesTheClusterThroughTheNextFault() throws Exception {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        Random rnd = new Random(seed);
        String replay = " (replay with -Dchaos.seed=" + seed + ")";
        System.out.println("seed " + seed);
        List<Fault> faults = new ArrayList<>();
        faults.addAll(Collections.nCopies(KILL_ROUNDS, Fault.SIGKILL));
        faults.addAll(Collections.nCopies(POWER_LOSS_ROUNDS, Fault.POWER_LOSS));
        Collections.shuffle(faults, rnd);

        try (WalNodes nodes = new WalNodes(dir, NODES, SNAPSHOT_EVERY_ENTRIES);
                WalClient wal = WalClient.connect(nodes.cluster, WAL_CLIENT);
                CatalogClient catalog = CatalogClient.connect(nodes.cluster, CATALOG_CLIENT)) {
            awaitLeaders(nodes, List.of(0, 1, 2));
            TimelineId fastTl = TimelineId.random();
            TimelineId slowTl = timelineInAnotherGroup(wal, fastTl);
            String fastGroup = String.valueOf(wal.groupOf(fastTl));
            String slowGroup = String.valueOf(wal.groupOf(slowTl));
            List<String> groups = allGroups(nodes);
            Coverage coverage = new Coverage();
            try (AckedAppends fast = new AckedAppends(wal, fastTl, Duration.ofMillis(5));
                    AckedAppends slow = new AckedAppends(wal, slowTl);
                    AckedProjects projects = new AckedProjects(catalog, Duration.ofMillis(100))) {
                for (int round = 0; round < faults.size(); round++) {
                    Fault fault = faults.get(round);
                    WalNodes.sleep(300 + rnd.nextInt(1700));
                    slow.commitOnce();
                    String target = rnd.nextBoolean() ? fastGroup : CATALOG;
                    boolean leader = rnd.nextBoolean();
                    int victim = nodeIn(nodes, target, leader, rnd);
                    String state = coverage.record(
                            nodes,
                            victim,
                            fastGroup,
                            slowGroup,
                            groupUuid(nodes, victim, fastGroup),
                            groupUuid(nodes, victim, slowGroup));
                    long fastBefore = fast.acked();
                    if (fault == Fault.SIGKILL) {
                        nodes.kill(victim);
                    } else {
                        nodes.powerLoss(victim);
                    }
                    WalNodes.sleep(rnd.nextInt(1500));
                    nodes.start(victim);
                    long rejoinMs = awaitRejoined(nodes, victim, groups, replay);
                    int other = (victim + 1 + rnd.nextInt(NODES - 1)) % NODES;
                    long stallMs = progressWhileFrozen(nodes, other, fast, slow, projects, replay);
                    assertEquals(List.of(), fast.check(), "fast timeline after round " + round + replay);
                    assertEquals(List.of(), slow.check(), "slow timeline after round " + round + replay);
                    assertEquals(List.of(), projects.missing(), "catalog after round " + round + replay);
                    System.out.printf(
                            "round %2d: %-10s %s of %-7s = n%d (%s); down while %d ops were acknowledged; "
                                    + "rejoined in %d ms; n%d frozen, commits resumed after %d ms%n",
                            round,
                            fault,
                            leader ? "leader" : "follower",
                            target,
                            victim,
                            state,
                            fast.acked() - fastBefore,
                            rejoinMs,
                            other,
                            stallMs);
                }
                System.out.printf(
                        "acknowledged: %d ops on the fast timeline, %d on the slow one, %d projects; writer "
                                + "reclaims %d, project creations not acknowledged %d%n",
                        fast.acked(), slow.acked(), projects.acked(), fast.reclaims(), projects.failures());
            }
            assertTrue(
                    coverage.slowGroupWithoutSnapshot > 0,
                    "no round crashed a group holding entries but no snapshot: " + coverage + replay);
            assertTrue(
                    coverage.fastGroupWithSnapshot > 0,
                    "no round crashed a group after a snapshot: " + coverage + replay);
            awaitSameAppliedIndex(nodes, groups, replay);
            for (int i = 0; i < NODES; i++) {
                nodes.stop(i);
            }
        }
        // Stopped cleanly: every replica of every group must hold the same database.
        ReplicaCompare.assertSameDatabases(dir, NODES, replay);
    }

    /** A timeline id that the cluster maps to another group than {@code other}'s. */
    private static TimelineId timelineInAnotherGroup(WalClient wal, TimelineId other) {
        for (int i = 0; i < 1000; i++) {
            TimelineId t = TimelineId.random();
            if (wal.groupOf(t) != wal.groupOf(other)) {
                return t;
            }
        }
        throw new IllegalStateException("1000 random timelines all in one group");
    }

    private static List<String> allGroups(WalNodes nodes) {
        List<String> all = new ArrayList<>();
        for (int g = 0; g < nodes.cluster.groupCount(); g++) {
            all.add(String.valueOf(g));
        }
        all.add(CATALOG);
        return all;
    }

    private static String groupUuid(WalNodes nodes, int node, String group) {
        return WalNodes.group(nodes.health(node), group).get("id").asText();
    }

    /** The node that leads {@code group}, or a (random) follower of it. */
    private static int nodeIn(WalNodes nodes, String group, boolean leader, Random rnd) {
        awaitLeaders(nodes, List.of(0, 1, 2));
        String leaderId = WalNodes.group(nodes.health(0), group).get("leader").asText();
        int l = Integer.parseInt(leaderId.substring(1));
        return leader ? l : (l + 1 + rnd.nextInt(NODES - 1)) % NODES;
    }

    /** Waits until every listed node knows a leader of every group, and they agree. */
    private static void awaitLeaders(WalNodes nodes, List<Integer> which) {
        long deadline = System.nanoTime() + REJOIN_MAX.toNanos();
        while (true) {
            boolean ok = true;
            for (String g : allGroups(nodes)) {
                String seen = null;
                for (int i : which) {
                    JsonNode h = nodes.health(i);
                    JsonNode gh = h == null ? null : WalNodes.group(h, g);
                    String leader = gh == null || gh.get("leader").isNull()
                            ? null
                            : gh.get("leader").asText();
                    ok &= leader != null && (seen == null || seen.equals(leader));
                    seen = leader;
                }
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("no agreed leader in every group within " + REJOIN_MAX);
            }
            WalNodes.sleep(100);
        }
    }

    /**
     * Waits until the restarted node reports every group RUNNING, with a leader, and applied up to
     * what the group's leader had committed when the wait began. Returns the milliseconds it took.
     */
    private static long awaitRejoined(WalNodes nodes, int node, List<String> groups, String replay) throws Exception {
        long started = System.nanoTime();
        long deadline = started + REJOIN_MAX.toNanos();
        List<Long> targets = new ArrayList<>();
        for (String g : groups) {
            targets.add(leaderCommitIndex(nodes, g, deadline, replay));
        }
        String last = "";
        while (System.nanoTime() < deadline) {
            JsonNode h = nodes.health(node);
            boolean ok = h != null;
            for (int k = 0; ok && k < groups.size(); k++) {
                JsonNode g = WalNodes.group(h, groups.get(k));
                ok = g.has("state")
                        && g.get("state").asText().equals("RUNNING")
                        && !g.get("leader").isNull()
                        && g.get("appliedIndex").asLong() >= targets.get(k);
            }
            if (ok) {
                return (System.nanoTime() - started) / 1_000_000;
            }
            last = String.valueOf(h);
            WalNodes.sleep(100);
        }
        fail("node n" + node + " did not rejoin every group and catch up (applied to " + targets + ") within "
                + REJOIN_MAX + replay + "\nits /health: " + last + "\nits log:\n" + nodes.tail(node));
        return -1;
    }

    /**
     * The commit index of {@code group} on its leader, whichever node that is (the restarted node
     * itself may have won an election while it was catching up).
     */
    private static long leaderCommitIndex(WalNodes nodes, String group, long deadline, String replay) throws Exception {
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < nodes.size(); i++) {
                JsonNode h = nodes.health(i);
                if (h != null && WalNodes.group(h, group).get("role").asText().equals("LEADER")) {
                    return WalNodes.group(h, group).get("commitIndex").asLong();
                }
            }
            WalNodes.sleep(100);
        }
        fail("no leader of group " + group + replay);
        return -1;
    }

    /**
     * Freezes node {@code other} and waits until the fast timeline, the slow one and the catalog each
     * acknowledged new commits: with one node frozen, that takes the restarted one. Returns how long
     * commits stalled.
     */
    private static long progressWhileFrozen(
            WalNodes nodes, int other, AckedAppends fast, AckedAppends slow, AckedProjects projects, String replay) {
        long fast0 = fast.acked();
        long projects0 = projects.acked();
        long started = System.nanoTime();
        nodes.freeze(other);
        try {
            // Two commits each after the freeze: one could have been in flight before it.
            slow.commitOnce();
            slow.commitOnce();
            while (fast.acked() < fast0 + 2 * AckedAppends.OPS_PER_COMMIT || projects.acked() < projects0 + 2) {
                if (System.nanoTime() - started > PROGRESS_MAX.toNanos()) {
                    fail("with n" + other + " frozen, commits stalled for " + PROGRESS_MAX + ": fast timeline +"
                            + (fast.acked() - fast0) + " ops, catalog +" + (projects.acked() - projects0) + " projects"
                            + replay);
                }
                WalNodes.sleep(20);
            }
            return (System.nanoTime() - started) / 1_000_000;
        } finally {
            nodes.thaw(other);
        }
    }

    /** Waits until every node applied every group up to the same index, the group's commit index. */
    private static void awaitSameAppliedIndex(WalNodes nodes, List<String> groups, String replay) {
        long deadline = System.nanoTime() + REJOIN_MAX.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            boolean same = true;
            StringBuilder seen = new StringBuilder();
            for (String g : groups) {
                long first = -1;
                for (int i = 0; i < nodes.size(); i++) {
                    JsonNode h = nodes.health(i);
                    long applied = h == null
                            ? -2
                            : WalNodes.group(h, g).get("appliedIndex").asLong();
                    long commit = h == null
                            ? -3
                            : WalNodes.group(h, g).get("commitIndex").asLong();
                    same &= applied == commit && (first < 0 || applied == first);
                    first = first < 0 ? applied : first;
                    seen.append(g)
                            .append("@n")
                            .append(i)
                            .append('=')
                            .append(applied)
                            .append(' ');
                }
            }
            if (same) {
                return;
            }
            last = seen.toString();
            WalNodes.sleep(200);
        }
        fail("replicas did not converge: " + last + replay);
    }

    /** Which states the victims' groups were in when they crashed: the test must cover both. */
    static final class Coverage {
        int slowGroupWithoutSnapshot;
        int fastGroupWithSnapshot;

        String record(WalNodes nodes, int victim, String fastGroup, String slowGroup, String fastUuid, String slowUuid)
                throws java.io.IOException {
            boolean fastSnap = hasSnapshot(nodes.groupDir(victim, fastUuid));
            boolean slowSnap = hasSnapshot(nodes.groupDir(victim, slowUuid));
            fastGroupWithSnapshot += fastSnap ? 1 : 0;
            slowGroupWithoutSnapshot += slowSnap ? 0 : 1;
            return "group " + fastGroup + (fastSnap ? " after" : " before") + " a snapshot, group " + slowGroup
                    + (slowSnap ? " after" : " before") + " one";
        }

        private static boolean hasSnapshot(Path groupDir) throws java.io.IOException {
            Path snaps = groupDir.resolve("sm").resolve("snapshots");
            if (!Files.isDirectory(snaps)) {
                return false;
            }
            try (Stream<Path> s = Files.list(snaps)) {
                return s.anyMatch(p -> p.getFileName().toString().matches("\\d+_\\d+"));
            }
        }

        @Override
        public String toString() {
            return "crashes of a group without a snapshot " + slowGroupWithoutSnapshot + ", with one "
                    + fastGroupWithSnapshot;
        }
    }
}
