package io.ramify.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ramify.cli.Ramify;
import io.ramify.cluster.Launcher;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.ServerJvm;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A ratis-wal cluster of real {@code ramify wal-server} processes on loopback (each node hosts every
 * WAL group and the branch catalog, as in production), and the faults a machine suffers: a process
 * killed with SIGKILL, one frozen (SIGSTOP, a hung or partitioned node), and a power loss. The
 * nodes are the parts of a {@link LocalCluster} (each a process of the real entry point,
 * {@link Ramify}), which starts, stops, kills, pauses and resumes them; what is particular to chaos
 * is here: the power loss and the reading of each node's {@code /health}.
 *
 * <p>A power loss is simulated on a copy of the node's data directory taken while the process is
 * frozen (so the copy is what the kernel held at one instant), from which every write RocksDB had
 * not synced is then dropped: its {@code *.log} files go, leaving each database as of its last
 * flush — a consistent prefix of the applied entries, older than what the Raft log holds. (The
 * WAL groups and the catalog write no RocksDB log at all, the Raft log being the durable record,
 * so there a {@code kill -9} leaves the same state; the page stores do.) Ratis syncs its own
 * log before it acknowledges an entry, and its unsynced tail (entries this node had not
 * acknowledged) is kept in the copy: that is one state a power loss may leave, not the only one.
 */
final class WalNodes implements AutoCloseable {
    /** How long a node process may take to start serving (checked once it has; the fixture's own bound is longer). */
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    static final String CLUSTER_NAME = "chaos";
    /**
     * Each node's JVM: the servers' options, a heap of 384 MiB and C1 only (three nodes and the test
     * share the machine's cores); these come after the launcher's default heap and win over it.
     */
    static final List<String> JVM_OPTIONS = Stream.concat(
                    ServerJvm.OPTIONS.stream(), Stream.of("-Xmx384m", "-XX:TieredStopAtLevel=1"))
            .toList();

    private static final ObjectMapper JSON = new ObjectMapper();

    final WalCluster cluster;
    private final LocalCluster fixture;
    private final Path root;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Starts {@code nodes} nodes, each hosting {@code nodes} WAL groups and the catalog, and waits until every group has a leader. */
    WalNodes(Path root, int nodes, long snapshotEveryEntries) throws IOException {
        this.root = root;
        fixture = LocalCluster.builder(root)
                .name(CLUSTER_NAME)
                .walNodes(nodes, nodes)
                .catalog()
                .walOptions(i -> Map.of("snapshot-every-entries", String.valueOf(snapshotEveryEntries)))
                .walIn(LocalCluster.Placement.PROCESS)
                .launcher(Launcher.java(Ramify.class.getName(), JVM_OPTIONS, List.of("--debug")))
                .start();
        cluster = fixture.wal();
    }

    static String id(int i) {
        return "n" + i;
    }

    int size() {
        return fixture.walNodes().size();
    }

    private Part node(int i) {
        return fixture.walNode(i);
    }

    /** {@code ROOT/wal-nI}, as {@link ReplicaCompare} reads it. */
    Path dataDir(int i) {
        return node(i).dataDir();
    }

    Path log(int i) {
        return node(i).log();
    }

    /** Starts node {@code i} on its data directory and waits (bounded) until it says it serves. */
    void start(int i) throws IOException {
        long t0 = System.nanoTime();
        try {
            node(i).start();
        } catch (IOException e) {
            throw new IOException("node " + id(i) + " did not start: " + e.getMessage() + "; its log:\n" + tail(i), e);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (ms > START_TIMEOUT.toMillis()) {
            throw new IOException("node " + id(i) + " took " + ms + " ms to start, more than " + START_TIMEOUT
                    + "; its log:\n" + tail(i));
        }
    }

    /** The last lines of node {@code i}'s log, for failure messages. */
    String tail(int i) throws IOException {
        if (!Files.exists(log(i))) {
            return "(no log)";
        }
        List<String> all = Files.readAllLines(log(i));
        return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
    }

    /** SIGKILL: the process dies at once; what it wrote stays in the kernel's page cache. */
    void kill(int i) {
        node(i).kill();
    }

    /** SIGSTOP: the node stops answering (a hang or a partition) without losing anything. */
    void freeze(int i) {
        try {
            node(i).pause();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void thaw(int i) {
        try {
            node(i).resume();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A power loss of node {@code i}: the process ends, and its data directory is replaced by a
     * frozen copy without RocksDB's unsynced writes (see the class comment). Returns the number of
     * RocksDB log files dropped.
     */
    int powerLoss(int i) throws IOException {
        freeze(i);
        Path copy = root.resolve("wal-" + id(i) + ".powerloss");
        deleteTree(copy);
        Processes.run(List.of("cp", "-a", dataDir(i).toString(), copy.toString()), Duration.ofMinutes(2));
        kill(i);
        int dropped = 0;
        try (Stream<Path> s = Files.walk(copy)) {
            for (Path p : s.filter(WalNodes::isRocksDbLog).toList()) {
                Files.delete(p);
                dropped++;
            }
        }
        deleteTree(dataDir(i));
        Files.move(copy, dataDir(i));
        return dropped;
    }

    /** A RocksDB write-ahead log file ({@code NNNNNN.log} beside a {@code CURRENT} file). */
    private static boolean isRocksDbLog(Path p) {
        return p.getFileName().toString().matches("\\d+\\.log") && Files.exists(p.resolveSibling("CURRENT"));
    }

    /** SIGTERM and wait: a clean stop (the node snapshots its groups); killed if it does not end in time. */
    void stop(int i) throws IOException {
        node(i).stop();
    }

    boolean alive(int i) {
        return node(i).running();
    }

    /** Node {@code i}'s /health document, or null when it does not answer within 2 s. */
    JsonNode health(int i) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://127.0.0.1:" + node(i).options().integer("metrics-port") + "/health"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The /health entry of a group on node {@code i}: WAL group {@code "0"}, or a hosted one by name. */
    static JsonNode group(JsonNode health, String group) {
        if (group.chars().allMatch(Character::isDigit)) {
            return health.get("groups").get(Integer.parseInt(group));
        }
        for (JsonNode h : health.get("hosted")) {
            if (h.get("name").asText().equals(group)) {
                return h;
            }
        }
        throw new IllegalArgumentException("no group " + group + " in " + health);
    }

    /** The directory of a group's state machine (Raft log beside it) on node {@code i}. */
    Path groupDir(int i, String groupUuid) {
        return dataDir(i).resolve(groupUuid);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Kills every node still running (a test that failed half-way); a passing test has stopped them cleanly. */
    @Override
    public void close() throws IOException {
        for (Part p : fixture.walNodes()) {
            if (p.running()) {
                p.kill();
            }
        }
        fixture.close();
    }
}
