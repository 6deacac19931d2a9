package io.ramify.chaos.run;

import io.ramify.cluster.Part;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * Chooses the next fault from the enabled kinds and its target, from a seeded {@link Random}: the
 * same seed against the same cluster state chooses the same faults. Targets that matter most are
 * named by role, found at the moment of choosing: the leader of the WAL group holding the bank's
 * timeline, the catalog's leader, a follower, a shard, the control plane.
 */
public final class Nemesis {
    /** Loss rates tried, in percent of a host's packets. */
    static final int[] LOSS_PERCENTS = {10, 30, 60};

    private final Random rnd;
    private final List<Fault.Kind> kinds;
    private final String walGroup;

    /** @param walGroup the WAL group (number) of the workload's timeline */
    public Nemesis(long seed, Set<Fault.Kind> enabled, int walGroup) {
        this.rnd = new Random(seed);
        this.kinds = List.copyOf(new java.util.TreeSet<>(enabled));
        this.walGroup = Integer.toString(walGroup);
    }

    public Fault next(ChaosCluster c) {
        Fault.Kind k = kinds.get(rnd.nextInt(kinds.size()));
        return switch (k) {
            case KILL -> {
                Target t = anyPart(c);
                yield new Fault.Kill(t.part(), t.why());
            }
            case PAUSE -> {
                Target t = anyPart(c);
                yield new Fault.Pause(t.part(), t.why());
            }
            case PARTITION -> {
                Target t = anyPart(c);
                yield new Fault.Partition(t.part(), t.why());
            }
            case ONE_WAY -> {
                Target t = walNode(c);
                yield new Fault.OneWay(t.part(), t.why());
            }
            case LOSS -> new Fault.Loss(walNode(c).part(), LOSS_PERCENTS[rnd.nextInt(LOSS_PERCENTS.length)]);
            case WIPE -> new Fault.Wipe(walNode(c).part());
        };
    }

    /** A part and why it was chosen, e.g. {@code " (leader of group 1)"}. */
    record Target(Part part, String why) {}

    /** Half the time a WAL node (a leader first), else a shard or the control plane. */
    private Target anyPart(ChaosCluster c) {
        if (rnd.nextBoolean()) {
            return walNode(c);
        }
        List<Part> others = new ArrayList<>(c.local.shards());
        others.add(c.local.control());
        return new Target(others.get(rnd.nextInt(others.size())), "");
    }

    /** The leader of the workload's group, of the catalog, or a follower of the workload's group. */
    private Target walNode(ChaosCluster c) {
        int pick = rnd.nextInt(3);
        if (pick < 2) {
            String group = pick == 0 ? walGroup : "catalog";
            Optional<Part> leader = c.leaderOf(group);
            if (leader.isPresent()) {
                return new Target(leader.get(), " (leader of " + (pick == 0 ? "group " : "the ") + group + ")");
            }
        }
        List<Part> nodes = new ArrayList<>(c.local.walNodes());
        c.leaderOf(walGroup).ifPresent(nodes::remove);
        return new Target(nodes.get(rnd.nextInt(nodes.size())), " (follower of group " + walGroup + ")");
    }
}
