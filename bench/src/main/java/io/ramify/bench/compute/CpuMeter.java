package io.ramify.bench.compute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of the parts of one run, read from {@code /proc} before and after it: a Postgres server
 * (its postmaster, the children it reaped and the ones still alive), this JVM (the compute-adapter
 * and the page-store shards), its reaped children (pgbench, through runuser), the ratis-wal node
 * JVMs, and the whole machine, so that what other tenants of the machine used shows too.
 *
 * <p>A process tree's time is its root's own and reaped children's time ({@code utime + stime +
 * cutime + cstime}) plus the same for each descendant still alive: a child that exits and is
 * reaped in between moves its time into its parent's {@code cutime}, so the sum neither loses nor
 * counts twice a backend that ends during a run (a child not yet reaped is still listed).
 */
public final class CpuMeter {
    /** Clock ticks per second of {@code /proc} times (getconf CLK_TCK; 100 on Linux). */
    public static final double TICKS_PER_SECOND = 100;

    private CpuMeter() {}

    /** Ticks per part at one moment, and the machine's busy and total ticks. */
    record Sample(long nanos, Map<String, Long> ticks, long machineBusy, long machineTotal) {}

    /** Cores used per part over an interval (CPU seconds ÷ wall seconds), and the machine's. */
    record Usage(Map<String, Double> cores, double machineCores, double otherCores) {}

    static final String POSTGRES = "postgres";
    static final String JVM = "adapter + shards JVM";
    static final String CHILDREN = "pgbench";
    static final String WAL_NODES = "ratis-wal nodes";

    static Sample sample(long postmasterPid, List<Long> walNodePids) throws IOException {
        Map<String, Long> t = new LinkedHashMap<>();
        long[] self = stat(ProcessHandle.current().pid());
        t.put(POSTGRES, postgresTicks(postmasterPid));
        t.put(JVM, self[0] + self[1]);
        t.put(CHILDREN, self[2] + self[3]);
        long wal = 0;
        for (long pid : walNodePids) {
            long[] s = stat(pid);
            wal += s[0] + s[1];
        }
        t.put(WAL_NODES, wal);
        long[] m = machine();
        return new Sample(System.nanoTime(), t, m[0], m[1]);
    }

    static Usage between(Sample a, Sample b) {
        double seconds = (b.nanos() - a.nanos()) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        double ours = 0;
        for (String k : a.ticks().keySet()) {
            double c = (b.ticks().get(k) - a.ticks().get(k)) / TICKS_PER_SECOND / seconds;
            cores.put(k, c);
            ours += c;
        }
        double machine = (b.machineBusy() - a.machineBusy()) / TICKS_PER_SECOND / seconds;
        return new Usage(cores, machine, Math.max(0, machine - ours));
    }

    /** The postmaster's tree: see the class comment. */
    private static long postgresTicks(long postmaster) throws IOException {
        return treeTicks(postmaster);
    }

    /** Attempts at a consistent read of a process tree before the last one is taken as it is. */
    static final int TREE_READS_MAX = 10;

    /**
     * Ticks of the tree rooted at {@code root} now (see the class comment); 0 when the root is gone.
     * A child reaped while /proc is being read would be counted twice (alive, then in its parent's
     * cutime when the parent is read after it: pids wrap around) or not at all, so the reaped-children
     * time of the tree's parents is read before and after the read of /proc, and the read is
     * repeated when any of them changed meanwhile.
     */
    public static long treeTicks(long root) throws IOException {
        Map<Long, long[]> table = processTable();
        long sum = treeTicks(table, root);
        for (int attempt = 1; attempt <= TREE_READS_MAX; attempt++) {
            Map<Long, Long> before = new java.util.HashMap<>();
            for (long pid : parentsInTree(table, root)) {
                before.put(pid, reapedChildrenTicks(pid));
            }
            table = processTable();
            sum = treeTicks(table, root);
            boolean stable = true;
            for (long pid : parentsInTree(table, root)) {
                long[] t = table.get(pid);
                Long b = before.get(pid);
                if (b == null || b != t[3] + t[4] || reapedChildrenTicks(pid) != b) {
                    stable = false;
                    break;
                }
            }
            if (stable) {
                return sum;
            }
        }
        return sum;
    }

    private static List<Long> parentsInTree(Map<Long, long[]> table, long root) {
        java.util.Set<Long> parents = new java.util.HashSet<>();
        table.forEach((pid, s) -> parents.add(s[0]));
        List<Long> out = new java.util.ArrayList<>();
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>();
        if (table.containsKey(root)) {
            todo.add(root);
        }
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            if (parents.contains(pid)) {
                out.add(pid);
                table.forEach((p, s) -> {
                    if (s[0] == pid) {
                        todo.add(p);
                    }
                });
            }
        }
        return out;
    }

    /** Every process now: pid to {parent pid, utime, stime, cutime, cstime}, one read of /proc. */
    public static Map<Long, long[]> processTable() throws IOException {
        Map<Long, long[]> out = new java.util.HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                String name = p.getFileName().toString();
                if (name.isEmpty() || !name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                String[] f = fields(pid);
                if (f != null) {
                    out.put(pid, new long[] {
                        Long.parseLong(f[1]),
                        Long.parseLong(f[11]),
                        Long.parseLong(f[12]),
                        Long.parseLong(f[13]),
                        Long.parseLong(f[14])
                    });
                }
            }
        }
        return out;
    }

    /** Ticks of the tree rooted at {@code root} in {@code table}; 0 when the root is gone. */
    private static long treeTicks(Map<Long, long[]> table, long root) {
        Map<Long, List<Long>> children = new java.util.HashMap<>();
        table.forEach((pid, s) ->
                children.computeIfAbsent(s[0], k -> new java.util.ArrayList<>()).add(pid));
        long sum = 0;
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>();
        if (table.containsKey(root)) {
            todo.add(root);
        }
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            long[] s = table.get(pid);
            sum += s[1] + s[2] + s[3] + s[4];
            todo.addAll(children.getOrDefault(pid, List.of()));
        }
        return sum;
    }

    /** A process's own ticks (all its threads; not its children's): utime + stime; 0 when gone. */
    public static long ownTicks(long pid) {
        long[] s = stat(pid);
        return s[0] + s[1];
    }

    /** Ticks of the children this process reaped (cutime + cstime); 0 when gone. */
    public static long reapedChildrenTicks(long pid) {
        long[] s = stat(pid);
        return s[2] + s[3];
    }

    /** Busy and total ticks of the whole machine (see {@link #machine()}). */
    public static long[] machineTicks() throws IOException {
        return machine();
    }

    /** utime, stime, cutime, cstime of a process; zeros when it is gone. */
    private static long[] stat(long pid) {
        String[] f = fields(pid);
        if (f == null) {
            return new long[4];
        }
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
    }

    /** Fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent pid. */
    private static String[] fields(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return null; // exited meanwhile
        }
    }

    /** Busy and total ticks of all CPUs (busy: everything but idle and iowait). */
    private static long[] machine() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < Math.min(f.length, 9); i++) { // user .. steal; guest time is inside user
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[] {total - idle, total};
    }
}
