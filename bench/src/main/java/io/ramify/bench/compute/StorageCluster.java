package io.ramify.bench.compute;

import io.ramify.common.TimelineId;
import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.cluster.FreePorts;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real storage cluster on loopback: three ratis-wal nodes, each a JVM of its own (three Ratis
 * servers in one JVM stall under pgbench load; docs/architecture.md, known problems), and two
 * page-store shards, in this JVM or (when asked) each in a JVM of its own ({@link ShardNode}), so
 * that their CPU shows apart from the benchmark's. Each node and shard has its own directory under
 * {@code dir}; node output goes to {@code dir/wal-nI.log}, a shard process's to {@code
 * dir/shard-S.log}. Each node serves its Prometheus {@code /metrics} and {@code /health} on a
 * loopback port of its own ({@link #metricsPorts()}), and so does each shard process.
 */
public final class StorageCluster implements AutoCloseable {
  public static final int NODES = 3;
  public static final int GROUPS = 3;
  public static final int SHARDS = 2;
  static final String NAME = "bench";
  static final Duration START_WAIT_MAX = Duration.ofMinutes(2);
  static final Duration LEADER_WAIT_MAX = Duration.ofSeconds(60);
  static final Duration KNOWN_WAIT_MAX = Duration.ofSeconds(60);
  public static final long NODE_HEAP_MIB = 1024;
  private static final long POLL_MILLIS = 50;

  public final WalCluster wal;
  public final List<String> shardAddresses = new ArrayList<>();
  private final Path dir;
  private final List<Process> nodes = new ArrayList<>();
  private final List<Integer> metricsPorts = new ArrayList<>();
  private final List<PageStoreServer> shards = new ArrayList<>();
  private final List<Process> shardProcesses = new ArrayList<>();
  private final List<Integer> shardMetricsPorts = new ArrayList<>();

  /** Shards in this JVM. */
  public StorageCluster(Path dir) throws IOException, InterruptedException {
    this(dir, false);
  }

  /** With {@code shardJvms}, each shard runs in a JVM of its own and {@link #shards()} is empty. */
  public StorageCluster(Path dir, boolean shardJvms) throws IOException, InterruptedException {
    this.dir = dir;
    List<WalCluster.Node> spec = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      spec.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
      metricsPorts.add(FreePorts.next());
    }
    wal = new WalCluster(NAME, spec, GROUPS);
    try {
      for (int i = 0; i < NODES; i++) {
        nodes.add(startNode(i));
      }
      awaitNodes();
      for (int s = 0; s < SHARDS; s++) {
        int port = FreePorts.next();
        shardAddresses.add("127.0.0.1:" + port);
        if (shardJvms) {
          shardMetricsPorts.add(FreePorts.next());
          shardProcesses.add(startShard(s, port, shardMetricsPorts.getLast()));
        } else {
          shards.add(PageStoreServer.start(shardConfig(s, SHARDS, wal, dir.resolve("shard-" + s), port, -1)));
        }
      }
      for (int s = 0; s < shardProcesses.size(); s++) {
        awaitReady(shardProcesses.get(s), shardLog(s), ShardNode.READY, "page-store shard " + s,
            System.nanoTime() + START_WAIT_MAX.toNanos());
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      close();
      throw e;
    }
  }

  /**
   * A shard as the benchmarks run it: history window as deployed (24 h), automatic collection off
   * (a collector run in the middle of a measurement would be noise they do not mean to measure).
   */
  static PageStoreConfig shardConfig(int shard, int shards, WalCluster wal, Path dataDir, int port, int metricsPort) {
    return PageStoreConfig.of(shard, shards, wal, dataDir, "127.0.0.1", port, metricsPort)
        .withGc(PageStoreConfig.Defaults.HISTORY_WINDOW, Duration.ofDays(1));
  }

  private Process startShard(int s, int port, int metricsPort) throws IOException {
    Path data = dir.resolve("shard-" + s);
    Files.createDirectories(data);
    return new ProcessBuilder(javaCommand(ShardNode.class, wal.name(), peers(), Integer.toString(GROUPS),
        Integer.toString(s), Integer.toString(SHARDS), data.toString(), Integer.toString(port),
        Integer.toString(metricsPort)))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(shardLog(s).toFile())).start();
  }

  private Path shardLog(int s) {
    return dir.resolve("shard-" + s + ".log");
  }

  /** The command that runs {@code main} in a server JVM of its own, on this JVM's class path. */
  public static List<String> javaCommand(Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx" + NODE_HEAP_MIB + "m"));
    cmd.addAll(serverJavaOptions());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

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

  private String peers() {
    StringBuilder peers = new StringBuilder();
    for (WalCluster.Node n : wal.nodes()) {
      peers.append(peers.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
    }
    return peers.toString();
  }

  private Process startNode(int i) throws IOException {
    Path data = dir.resolve("wal-n" + i);
    Files.createDirectories(data);
    return new ProcessBuilder(javaCommand(WalNode.class, wal.name(), peers(), Integer.toString(GROUPS), "n" + i,
        data.toString(), Integer.toString(metricsPorts.get(i))))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile())).start();
  }

  public Path log(int node) {
    return dir.resolve("wal-n" + node + ".log");
  }

  /** The node processes, for CPU accounting. */
  public List<Long> nodePids() {
    return nodes.stream().map(Process::pid).toList();
  }

  /** The shard processes, for CPU accounting; empty when the shards run in this JVM. */
  public List<Long> shardPids() {
    return shardProcesses.stream().map(Process::pid).toList();
  }

  /** Loopback ports of the nodes' {@code /metrics} and {@code /health}, in node order. */
  public List<Integer> metricsPorts() {
    return List.copyOf(metricsPorts);
  }

  /** Waits until {@code p} prints {@code ready} on a line of its own in {@code log}. */
  public static void awaitReady(Process p, Path log, String ready, String what, long deadline)
      throws IOException, InterruptedException {
    while (!Files.readString(log).lines().anyMatch(ready::equals)) {
      if (System.nanoTime() > deadline || !p.isAlive()) {
        throw new IOException(what + " did not start; its output:\n" + Files.readString(log));
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** Waits until every node prints that it serves and every Raft group answers a query. */
  private void awaitNodes() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_WAIT_MAX.toNanos();
    for (int i = 0; i < NODES; i++) {
      awaitReady(nodes.get(i), log(i), WalNode.READY, "ratis-wal node n" + i, deadline);
    }
    try (WalClient c = WalClient.connect(wal, WalClientConfig.DEFAULT)) {
      while (true) {
        try {
          WalClient.await(c.listTimelines()); // asks every group: each has a leader
          return;
        } catch (RuntimeException e) {
          if (System.nanoTime() > deadline) {
            throw new IOException("ratis-wal groups have no leader after " + START_WAIT_MAX + ": " + e.getMessage(), e);
          }
          Thread.sleep(4 * POLL_MILLIS);
        }
      }
    }
  }

  /**
   * Moves every group's leadership to its preferred node (group g: node g mod 3) and waits until
   * the group of {@code tl} is there: a hand-over in the middle of a measurement stalls appends
   * for a second or more. Returns whether it happened within {@link #LEADER_WAIT_MAX}.
   */
  public boolean awaitPreferredLeader(WalClient c, TimelineId tl) throws InterruptedException {
    c.awaitBalancedLeaders(LEADER_WAIT_MAX);
    return c.leaderOf(tl).map(wal.preferredNode(c.groupOf(tl)).id()::equals).orElse(false);
  }

  /** Waits until every shard lists {@code tl}: shards discover new timelines by polling ratis-wal. */
  public void awaitKnown(TimelineId tl) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + KNOWN_WAIT_MAX.toNanos();
    List<java.util.function.Supplier<String>> health = new ArrayList<>();
    shards.forEach(s -> health.add(s::healthJson));
    shardMetricsPorts.forEach(port -> health.add(() -> httpHealth(port)));
    for (java.util.function.Supplier<String> h : health) {
      while (!h.get().contains(tl.hex())) {
        if (System.nanoTime() > deadline) {
          throw new IOException("shard did not discover timeline " + tl + " in " + KNOWN_WAIT_MAX + ": " + h.get());
        }
        Thread.sleep(2);
      }
    }
  }

  /** A shard process's /health body, or the error that kept it from answering. */
  private static String httpHealth(int port) {
    try {
      var http = java.net.http.HttpClient.newHttpClient();
      var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/health"))
          .timeout(Duration.ofSeconds(10)).build();
      return http.send(req, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return "(no answer from port " + port + ": " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  public List<PageStoreServer> shards() {
    return shards;
  }

  @Override
  public void close() {
    for (PageStoreServer s : shards) {
      try {
        s.close();
      } catch (IOException | RuntimeException e) {
        System.err.println("[compute] closing a page-store shard: " + e);
      }
    }
    shards.clear();
    stop(shardProcesses);
    stop(nodes);
  }

  private static void stop(List<Process> processes) {
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    processes.clear();
  }
}
