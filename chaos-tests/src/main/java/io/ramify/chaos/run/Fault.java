package io.ramify.chaos.run;

import io.ramify.chaos.hosts.NetnsHosts;
import io.ramify.cluster.Part;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One fault the nemesis injects and later heals: what it does to which part or host, in words for
 * the schedule and the history.
 */
public sealed interface Fault {
    /** The nemesis kinds a run may enable ({@code --nemesis kill,pause,...}). */
    enum Kind {
        KILL,
        PAUSE,
        PARTITION,
        ONE_WAY,
        LOSS,
        WIPE
    }

    Kind kind();

    /** The part (or host) it hits, e.g. {@code wal-n1 (leader of the catalog)}. */
    String target();

    void inject(ChaosCluster c) throws IOException;

    void heal(ChaosCluster c) throws IOException;

    /** kill -9, restarted on the same data at heal. */
    record Kill(Part part, String why) implements Fault {
        public Kind kind() {
            return Kind.KILL;
        }

        public String target() {
            return part.name() + why;
        }

        public void inject(ChaosCluster c) {
            part.kill();
        }

        public void heal(ChaosCluster c) throws IOException {
            part.start();
        }
    }

    /** SIGSTOP for longer than an election timeout, then SIGCONT: a node that hangs and comes back. */
    record Pause(Part part, String why) implements Fault {
        public Kind kind() {
            return Kind.PAUSE;
        }

        public String target() {
            return part.name() + why;
        }

        public void inject(ChaosCluster c) throws IOException {
            part.pause();
        }

        public void heal(ChaosCluster c) throws IOException {
            part.resume();
        }
    }

    /** {@code part}'s host cut from every other host, both ways (a minority of one, or an isolated leader). */
    record Partition(Part part, String why) implements Fault {
        public Kind kind() {
            return Kind.PARTITION;
        }

        public String target() {
            return part.name() + why;
        }

        public void inject(ChaosCluster c) throws IOException {
            NetnsHosts.Host h = c.hostOf(part);
            c.hosts.partition(
                    List.of(h),
                    c.hosts.hosts().stream().filter(o -> !o.equals(h)).toList());
        }

        public void heal(ChaosCluster c) throws IOException {
            c.hosts.heal();
        }
    }

    /** {@code part}'s host can receive but its packets to the other WAL nodes are dropped. */
    record OneWay(Part part, String why) implements Fault {
        public Kind kind() {
            return Kind.ONE_WAY;
        }

        public String target() {
            return part.name() + why + " (sends nothing to the other nodes)";
        }

        public void inject(ChaosCluster c) throws IOException {
            for (Part o : c.local.walNodes()) {
                if (o != part) {
                    NetnsHosts.Host from = c.hostOf(part);
                    c.hosts.cut(from, c.hostOf(o).address());
                }
            }
        }

        public void heal(ChaosCluster c) throws IOException {
            c.hosts.heal();
        }
    }

    /** A share of the packets {@code part}'s host sends dropped at random. */
    record Loss(Part part, int percent) implements Fault {
        public Kind kind() {
            return Kind.LOSS;
        }

        public String target() {
            return part.name() + " (" + percent + " % of its packets dropped)";
        }

        public void inject(ChaosCluster c) throws IOException {
            c.hosts.loss(c.hostOf(part), percent);
        }

        public void heal(ChaosCluster c) throws IOException {
            c.hosts.heal();
        }
    }

    /** A WAL node's disk lost: the process killed, its data directory deleted; at heal it rejoins empty. */
    record Wipe(Part part) implements Fault {
        public Kind kind() {
            return Kind.WIPE;
        }

        public String target() {
            return part.name() + " (data directory deleted)";
        }

        public void inject(ChaosCluster c) throws IOException {
            part.kill();
            deleteTree(part.dataDir());
        }

        public void heal(ChaosCluster c) throws IOException {
            part.start();
        }

        private static void deleteTree(Path dir) throws IOException {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
