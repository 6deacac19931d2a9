package io.ramify.bench;

import io.ramify.cluster.Launcher;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every benchmark's Ramify servers share, started through the local-cluster fixture: the
 * command line of a server process ({@link #launcher}), the servers' JVM options, and probes on
 * the fixture's parts.
 */
public final class BenchServers {
    /** Raft groups are named after the benchmark, as the harnesses before the fixture named them. */
    public static final String CLUSTER_NAME = "bench";
    /**
     * {@code metrics-port -1}: no /metrics and /health server, for parts whose figures the benchmark
     * reads in its own JVM (or not at all), as they ran before the fixture (which gives each part one).
     */
    public static final Map<String, String> METRICS_OFF = Map.of("metrics-port", "-1");

    private BenchServers() {}

    /**
     * The JVM options of every server process a bench starts (ratis-wal nodes, shards, the
     * compute): {@link io.ramify.common.ServerJvm#OPTIONS}, what {@code ramify up} uses, unless
     * {@code -Dramify.bench.serverJavaOpts} (the scripts pass {@code BENCH_SERVER_JAVA_OPTS}) replaces
     * them, to compare JIT and GC choices.
     */
    public static List<String> serverJavaOptions() {
        String opts = System.getProperty("ramify.bench.serverJavaOpts", "").trim();
        return opts.isEmpty() ? io.ramify.common.ServerJvm.OPTIONS : List.of(opts.split("\\s+"));
    }

    /**
     * How the fixture starts a part in a process of its own: a JVM with heap {@code heap} and {@code
     * jvmOptions}, on this JVM's class path, running {@link ServerProcess}, which exits when the
     * benchmark does.
     */
    public static Launcher launcher(String heap, List<String> jvmOptions) {
        return (part, role, args) -> {
            List<String> roleAndArgs = new ArrayList<>(List.of(role));
            roleAndArgs.addAll(args);
            return javaCommand(heap, jvmOptions, ServerProcess.class.getName(), roleAndArgs);
        };
    }

    /** The command that runs {@code mainClass} in a server JVM of its own, on this JVM's class path. */
    public static List<String> javaCommand(String heap, List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                Launcher.javaBinary(),
                "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow",
                "-Xmx" + heap));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(args);
        return cmd;
    }

    /**
     * Moves every WAL group's leadership to its preferred node (group g on node g mod N) and fails
     * unless it got there in time: a hand-over in the middle of a measurement stalls appends for a
     * second or more, and leaders (and their CPU, about twice a follower's) end up spread evenly.
     * Cheap after {@link LocalCluster.Builder#balanceLeaders()}, which does the same before the
     * shards start but only reports a failure.
     */
    public static void requireBalancedLeaders(LocalCluster c) throws IOException {
        if (!c.balanceLeaders()) {
            throw new IOException("WAL groups are not led by their preferred nodes after "
                    + LocalCluster.LEADER_BALANCE_MAX.toSeconds() + " s");
        }
    }

    /** The pids of parts running as processes, in order, for CPU accounting. */
    public static List<Long> pids(List<Part> parts) {
        return parts.stream()
                .map(p -> p.process()
                        .orElseThrow(() -> new IllegalStateException(p.name() + " is not running as a process"))
                        .pid())
                .toList();
    }

    /** The loopback ports of the parts' {@code /metrics} and {@code /health}, in order. */
    public static List<Integer> metricsPorts(List<Part> parts) {
        return parts.stream().map(p -> p.options().integer("metrics-port")).toList();
    }
}
