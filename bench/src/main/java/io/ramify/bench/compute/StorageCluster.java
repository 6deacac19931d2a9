package io.ramify.bench.compute;

import io.ramify.common.TimelineId;
import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.testsupport.FreePorts;
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
 * page-store shards in this JVM. Each node and shard has its own directory under {@code dir}; node
 * output goes to {@code dir/wal-nI.log}. Each node serves its Prometheus {@code /metrics} and
 * {@code /health} on a loopback port of its own ({@link #metricsPorts()}).
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

  public StorageCluster(Path dir) throws IOException, InterruptedException {
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
        // History window as deployed (24 h), automatic collection off: a collector run in the
        // middle of a measurement would be noise this benchmark does not mean to measure.
        shards.add(PageStoreServer.start(PageStoreConfig.of(s, SHARDS, wal, dir.resolve("shard-" + s), "127.0.0.1",
            port, -1).withGc(PageStoreConfig.Defaults.HISTORY_WINDOW, Duration.ofDays(1))));
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      close();
      throw e;
    }
  }

  private Process startNode(int i) throws IOException {
    StringBuilder peers = new StringBuilder();
    for (WalCluster.Node n : wal.nodes()) {
      peers.append(peers.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
    }
    Path data = dir.resolve("wal-n" + i);
    Files.createDirectories(data);
    return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx" + NODE_HEAP_MIB + "m",
        "-cp", System.getProperty("java.class.path"), WalNode.class.getName(), wal.name(), peers.toString(),
        Integer.toString(GROUPS), "n" + i, data.toString(), Integer.toString(metricsPorts.get(i)))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log(i).toFile())).start();
  }

  public Path log(int node) {
    return dir.resolve("wal-n" + node + ".log");
  }

  /** The node processes, for CPU accounting. */
  public List<Long> nodePids() {
    return nodes.stream().map(Process::pid).toList();
  }

  /** Loopback ports of the nodes' {@code /metrics} and {@code /health}, in node order. */
  public List<Integer> metricsPorts() {
    return List.copyOf(metricsPorts);
  }

  /** Waits until every node prints that it serves and every Raft group answers a query. */
  private void awaitNodes() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_WAIT_MAX.toNanos();
    for (int i = 0; i < NODES; i++) {
      while (!Files.readString(log(i)).lines().anyMatch(WalNode.READY::equals)) {
        if (System.nanoTime() > deadline || !nodes.get(i).isAlive()) {
          throw new IOException("ratis-wal node n" + i + " did not start; its output:\n" + Files.readString(log(i)));
        }
        Thread.sleep(POLL_MILLIS);
      }
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
   * Waits until the group of {@code tl} is led by the node its priority prefers (group g: node g
   * mod 3). A group first led by another node hands leadership over a little later, and that
   * hand-over in the middle of a measurement stalls appends for a second or more. Returns whether
   * it happened within {@link #LEADER_WAIT_MAX}.
   */
  public boolean awaitPreferredLeader(WalClient c, TimelineId tl) throws InterruptedException {
    String preferred = wal.nodes().get(c.groupOf(tl) % NODES).id();
    long deadline = System.nanoTime() + LEADER_WAIT_MAX.toNanos();
    while (System.nanoTime() < deadline) {
      if (c.leaderOf(tl).map(preferred::equals).orElse(false)) {
        return true;
      }
      Thread.sleep(4 * POLL_MILLIS);
    }
    return false;
  }

  /** Waits until every shard lists {@code tl}: shards discover new timelines by polling ratis-wal. */
  public void awaitKnown(TimelineId tl) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + KNOWN_WAIT_MAX.toNanos();
    for (PageStoreServer s : shards) {
      while (!s.healthJson().contains(tl.hex())) {
        if (System.nanoTime() > deadline) {
          throw new IOException("shard did not discover timeline " + tl + " in " + KNOWN_WAIT_MAX + ": "
              + s.healthJson());
        }
        Thread.sleep(2);
      }
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
    for (Process p : nodes) {
      p.destroy();
    }
    for (Process p : nodes) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    nodes.clear();
  }
}
