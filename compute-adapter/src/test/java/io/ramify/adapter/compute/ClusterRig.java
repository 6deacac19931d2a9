package io.ramify.adapter.compute;

import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.cluster.FreePorts;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real storage cluster on loopback for compute tests: 3 ratis-wal nodes, 2 page-store shards. */
final class ClusterRig implements AutoCloseable {
  static final int SHARDS = 2;
  final WalCluster wal;
  final WalServer[] walNodes = new WalServer[3];
  final PageStoreServer[] shards = new PageStoreServer[SHARDS];
  final List<String> shardAddresses = new ArrayList<>();
  private final Path root;

  private final Process[] walProcesses = new Process[3];
  private List<WalCluster.Node> nodes;

  ClusterRig(Path root) throws IOException {
    this(root, false);
  }

  /** With {@code separateWalProcesses}, each ratis-wal node runs in its own JVM. */
  ClusterRig(Path root, boolean separateWalProcesses) throws IOException {
    this.root = root;
    nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    wal = new WalCluster("rig", nodes, 3);
    for (int i = 0; i < 3; i++) {
      if (separateWalProcesses) {
        startWalProcess(i, nodes);
      } else {
        startWal(i);
      }
    }
    if (separateWalProcesses) {
      awaitWalProcessesReady();
    }
    for (int s = 0; s < SHARDS; s++) {
      int port = FreePorts.next();
      shardAddresses.add("127.0.0.1:" + port);
      startShard(s, port);
    }
  }

  void startWal(int i) throws IOException {
    walNodes[i] = WalServer.start(WalServerConfig.of(wal, "n" + i, root.resolve("wal-n" + i), -1));
  }

  /** kill -9 of a ratis-wal node process. */
  void killWalProcess(int i) throws InterruptedException {
    walProcesses[i].destroyForcibly();
    walProcesses[i].waitFor();
  }

  /** Starts a killed ratis-wal node process again on its data directory; waits until it serves. */
  void restartWalProcess(int i) throws IOException {
    Path log = root.resolve("wal-n" + i + ".log");
    long readyBefore = readyLines(log);
    startWalProcess(i, nodes);
    long deadline = System.currentTimeMillis() + 120_000;
    while (readyLines(log) <= readyBefore) {
      if (System.currentTimeMillis() > deadline || !walProcesses[i].isAlive()) {
        throw new IOException("ratis-wal node n" + i + " did not restart:\n" + java.nio.file.Files.readString(log));
      }
      sleep(100);
    }
  }

  private static long readyLines(Path log) throws IOException {
    return java.nio.file.Files.readAllLines(log).stream().filter("ready"::equals).count();
  }

  int nodeIndex(String nodeId) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).id().equals(nodeId)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no node " + nodeId);
  }

  private void startWalProcess(int i, List<WalCluster.Node> nodes) throws IOException {
    StringBuilder spec = new StringBuilder();
    for (WalCluster.Node n : nodes) {
      spec.append(spec.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
    }
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx1g", "-cp",
        System.getProperty("java.class.path"), WalNodeMain.class.getName(), wal.name(), spec.toString(), "3",
        "n" + i, root.resolve("wal-n" + i).toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve("wal-n" + i + ".log")
            .toFile())).start();
    walProcesses[i] = p;
  }

  /** Waits (bounded) until every node process says it serves, then for a leader in every group. */
  private void awaitWalProcessesReady() throws IOException {
    long deadline = System.currentTimeMillis() + 120_000;
    for (int i = 0; i < 3; i++) {
      Path log = root.resolve("wal-n" + i + ".log");
      while (!java.nio.file.Files.readString(log).contains("ready")) {
        if (System.currentTimeMillis() > deadline || !walProcesses[i].isAlive()) {
          throw new IOException("ratis-wal node n" + i + " did not start:\n" + java.nio.file.Files.readString(log));
        }
        sleep(100);
      }
    }
    try (io.ramify.wal.client.WalClient c = io.ramify.wal.client.WalClient.connect(wal,
        io.ramify.wal.client.WalClientConfig.DEFAULT)) {
      for (int g = 0; g < wal.groupCount(); ) {
        try {
          // An answer from every group means every group has a leader.
          io.ramify.wal.client.WalClient.await(c.listTimelines());
          g = wal.groupCount();
        } catch (RuntimeException e) {
          if (System.currentTimeMillis() > deadline) {
            throw new IOException("ratis-wal groups have no leader: " + e.getMessage(), e);
          }
          sleep(200);
        }
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void startShard(int s, int port) throws IOException {
    // History window 0 and no automatic runs: tests collect garbage when they choose to.
    shards[s] = PageStoreServer.start(PageStoreConfig.of(s, SHARDS, wal, root.resolve("shard-" + s), "127.0.0.1",
        port, -1).withGc(java.time.Duration.ZERO, java.time.Duration.ofDays(1)));
  }

  /** A compute on {@code tl} of this cluster, mounted at {@code dir/mnt-NAME}, running as postgres. */
  Compute.Config computeConfig(io.ramify.common.TimelineId tl, Path dir, String name) {
    return new Compute.Config(wal, shardAddresses, tl, dir.resolve("mnt-" + name), dir.resolve("work-" + name),
        FreePorts.next(), "postgres", ComputeOnClusterTest.id("-u"), ComputeOnClusterTest.id("-g"));
  }

  /** The ratis-wal nodes as {@code ID=HOST:PORT,...}. */
  String walNodesSpec() {
    StringBuilder spec = new StringBuilder();
    for (WalCluster.Node n : wal.nodes()) {
      spec.append(spec.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
    }
    return spec.toString();
  }

  /** Waits (bounded) until every shard lists {@code tl}: shards discover new timelines by polling. */
  void awaitKnown(io.ramify.common.TimelineId tl) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    for (PageStoreServer s : shards) {
      while (!s.healthJson().contains(tl.hex())) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("shard did not discover timeline " + tl + ": " + s.healthJson());
        }
        Thread.sleep(50);
      }
    }
  }

  @Override
  public void close() throws IOException {
    for (PageStoreServer s : shards) {
      if (s != null) {
        s.close();
      }
    }
    for (WalServer w : walNodes) {
      if (w != null) {
        w.close();
      }
    }
    for (Process p : walProcesses) {
      if (p != null) {
        p.destroyForcibly();
      }
    }
  }
}
