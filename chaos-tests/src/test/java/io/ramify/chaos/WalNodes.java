package io.ramify.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ramify.cli.Ramify;
import io.ramify.cluster.FreePorts;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A ratis-wal cluster of real {@code ramify wal-server} processes on loopback (each node hosts every
 * WAL group and the branch catalog, as in production), and the faults a machine suffers: a process
 * killed with SIGKILL, one frozen (SIGSTOP, a hung or partitioned node), and a power loss.
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
  /** How long a node process may take to start serving. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  static final String CLUSTER_NAME = "chaos";
  private static final ObjectMapper JSON = new ObjectMapper();

  final WalCluster cluster;
  private final Path root;
  private final long snapshotEveryEntries;
  private final int[] metricsPorts;
  private final Process[] processes;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  WalNodes(Path root, int nodes, long snapshotEveryEntries) throws IOException {
    this.root = root;
    this.snapshotEveryEntries = snapshotEveryEntries;
    List<WalCluster.Node> ns = new ArrayList<>();
    metricsPorts = new int[nodes];
    for (int i = 0; i < nodes; i++) {
      ns.add(new WalCluster.Node(id(i), "127.0.0.1", FreePorts.next()));
      metricsPorts[i] = FreePorts.next();
    }
    cluster = new WalCluster(CLUSTER_NAME, ns, nodes);
    processes = new Process[nodes];
    for (int i = 0; i < nodes; i++) {
      start(i);
    }
  }

  static String id(int i) {
    return "n" + i;
  }

  int size() {
    return processes.length;
  }

  Path dataDir(int i) {
    return root.resolve("wal-" + id(i));
  }

  Path log(int i) {
    return root.resolve("wal-" + id(i) + ".log");
  }

  /** Starts node {@code i} on its data directory and waits (bounded) until it says it serves. */
  void start(int i) throws IOException {
    long readyBefore = readyLines(i);
    processes[i] = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx384m",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Ramify.class.getName(),
        "wal-server", "--cluster-name", CLUSTER_NAME, "--node-id", id(i), "--nodes", nodesSpec(),
        "--groups", String.valueOf(cluster.groupCount()), "--data-dir", dataDir(i).toString(),
        "--metrics-port", String.valueOf(metricsPorts[i]), "--snapshot-every-entries",
        String.valueOf(snapshotEveryEntries))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile())).start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (readyLines(i) <= readyBefore) {
      if (System.nanoTime() > deadline || !processes[i].isAlive()) {
        throw new IOException("node " + id(i) + " did not start; its log:\n" + tail(i));
      }
      sleep(50);
    }
  }

  private long readyLines(int i) throws IOException {
    if (!Files.exists(log(i))) {
      return 0;
    }
    try (Stream<String> lines = Files.lines(log(i))) {
      return lines.filter(l -> l.startsWith("ratis-wal node " + id(i) + " up")).count();
    }
  }

  /** The last lines of node {@code i}'s log, for failure messages. */
  String tail(int i) throws IOException {
    List<String> all = Files.readAllLines(log(i));
    return String.join("\n", all.subList(Math.max(0, all.size() - 60), all.size()));
  }

  /** SIGKILL: the process dies at once; what it wrote stays in the kernel's page cache. */
  void kill(int i) throws InterruptedException {
    processes[i].destroyForcibly();
    processes[i].waitFor();
  }

  /** SIGSTOP: the node stops answering (a hang or a partition) without losing anything. */
  void freeze(int i) {
    signal(i, "STOP");
  }

  void thaw(int i) {
    signal(i, "CONT");
  }

  private void signal(int i, String sig) {
    Processes.run(List.of("kill", "-" + sig, String.valueOf(processes[i].pid())), Duration.ofSeconds(10));
  }

  /**
   * A power loss of node {@code i}: the process ends, and its data directory is replaced by a
   * frozen copy without RocksDB's unsynced writes (see the class comment). Returns the number of
   * RocksDB log files dropped.
   */
  int powerLoss(int i) throws IOException, InterruptedException {
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

  /** SIGTERM and wait: a clean stop (the node snapshots its groups). */
  void stop(int i) throws InterruptedException {
    processes[i].destroy();
    if (!processes[i].waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      processes[i].destroyForcibly().waitFor();
    }
  }

  boolean alive(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  /** Node {@code i}'s /health document, or null when it does not answer within 2 s. */
  JsonNode health(int i) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + metricsPorts[i] + "/health")).timeout(Duration.ofSeconds(2)).build(),
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

  private String nodesSpec() {
    StringBuilder spec = new StringBuilder();
    for (WalCluster.Node n : cluster.nodes()) {
      spec.append(spec.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
    }
    return spec.toString();
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

  @Override
  public void close() {
    for (Process p : processes) {
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }
}
