package io.ramify.bench.branching;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.control.ControlConfig;
import io.ramify.control.ControlServer;
import io.ramify.control.client.ApiClient;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.pagestore.proto.StatusReply;
import io.ramify.pagestore.proto.TimelineIngest;
import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.cluster.FreePorts;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The whole system on loopback, as a user runs it: 3 ratis-wal node processes hosting the WAL
 * groups and the catalog group, 2 page-store shards and the control plane (REST API, computes with
 * their FUSE mounts) in this JVM. The bench also gets plain clients of ratis-wal, the catalog and
 * the page stores, to time the steps of a branch creation one by one.
 */
final class Stack implements AutoCloseable {
  static final int WAL_NODES = 3;
  static final int WAL_GROUPS = 3;
  static final int SHARDS = 2;
  static final Duration NODE_START_MAX = Duration.ofMinutes(2);
  static final Duration WAL_READY_MAX = Duration.ofMinutes(2);
  static final Duration NODE_STOP_MAX = Duration.ofSeconds(20);
  private static final long POLL_MILLIS = 100;

  final WalCluster wal;
  final List<String> shardAddresses = new ArrayList<>();
  final ApiClient api;
  final Path dir;
  /**
   * Where computes mount and keep their work directories (Postgres log and socket). Postgres's
   * Unix socket path, {@code <this>/<timeline hex>/work/socket/.s.PGSQL.<port>}, must fit in 107
   * bytes, so this is a short directory under /tmp rather than under the data directory.
   */
  final Path computes;
  private final PageStoreServer[] shards = new PageStoreServer[SHARDS];
  private final Process[] nodes = new Process[WAL_NODES];
  private ControlServer control;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  Stack(Path dir, String nodeHeap, Consumer<String> progress) throws IOException, InterruptedException {
    this(dir, nodeHeap, progress, null);
  }

  /** With {@code proxy}: the control plane also runs the proxy (bench/proxy). */
  Stack(Path dir, String nodeHeap, Consumer<String> progress, io.ramify.proxy.ProxyConfig proxy)
      throws IOException, InterruptedException {
    this.dir = dir;
    this.computes = Files.createTempDirectory(Path.of("/tmp"), "rbc-");
    List<WalCluster.Node> list = new ArrayList<>();
    for (int i = 0; i < WAL_NODES; i++) {
      list.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    wal = new WalCluster("bench", list, WAL_GROUPS);
    try {
      startNodes(nodeHeap);
      progress.accept("ratis-wal nodes up (3 processes, " + WAL_GROUPS + " WAL groups + the catalog group); "
          + "starting " + SHARDS + " page-store shards and the control plane");
      for (int s = 0; s < SHARDS; s++) {
        int port = FreePorts.next();
        shardAddresses.add("127.0.0.1:" + port);
        shards[s] = PageStoreServer.start(PageStoreConfig.of(s, SHARDS, wal, dir.resolve("shard-" + s), "127.0.0.1",
            port, -1));
      }
      awaitWalGroups();
      int uid = Integer.parseInt(Processes.run(List.of("id", "-u", Pg.OS_USER), Duration.ofSeconds(10)).trim());
      int gid = Integer.parseInt(Processes.run(List.of("id", "-g", Pg.OS_USER), Duration.ofSeconds(10)).trim());
      traversable();
      control = ControlServer.start(new ControlConfig(wal, shardAddresses, computes, "127.0.0.1", computePortBase(),
          Pg.OS_USER, uid, gid), "127.0.0.1", 0, proxy, ControlServer.IDLE_CHECK_INTERVAL);
      api = new ApiClient("http://127.0.0.1:" + control.port());
    } catch (IOException | InterruptedException | RuntimeException e) {
      close();
      io.ramify.bench.BenchDataDir.deleteTree(computes); // nothing mounted there yet
      throw e;
    }
  }

  /**
   * Below the kernel's ephemeral port range. The control plane probes a free port and Postgres
   * binds it seconds later (after the lease, the claim and the mount); inside the ephemeral range
   * (where {@code FreePorts} picks, as control-plane's test Stack does) any outgoing connection on
   * the machine may take it meanwhile, and Postgres fails with "Address already in use".
   */
  static int computePortBase() {
    int low = 32768;
    try {
      String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().trim()
          .split("\\s+");
      low = Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: assume the Linux default (Files.readString reads /proc files short: use readAllLines)
    }
    int base = low - 2 * ControlConfig.COMPUTE_PORTS_MAX;
    if (base < 10_000) {
      throw new IllegalStateException("the ephemeral port range starts at " + low + "; no room below it for computes");
    }
    return base;
  }

  /** The Postgres OS user must reach the compute mounts: o+x on the data directory and below it. */
  private void traversable() {
    Processes.run(List.of("chmod", "o+x", dir.toString(), computes.toString()), Duration.ofSeconds(10));
  }

  private void startNodes(String nodeHeap) throws IOException, InterruptedException {
    StringBuilder spec = new StringBuilder();
    for (WalCluster.Node n : wal.nodes()) {
      spec.append(spec.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int i = 0; i < WAL_NODES; i++) {
      String id = wal.nodes().get(i).id();
      nodes[i] = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
          "-Xmx" + nodeHeap, "-cp", System.getProperty("java.class.path"), CatalogNode.class.getName(), wal.name(),
          spec.toString(), Integer.toString(WAL_GROUPS), id, dir.resolve("wal-" + id).toString())
          .redirectErrorStream(true).redirectOutput(nodeLog(i).toFile()).start();
    }
    long deadline = System.nanoTime() + NODE_START_MAX.toNanos();
    for (int i = 0; i < WAL_NODES; i++) {
      while (!Files.readString(nodeLog(i), StandardCharsets.UTF_8).lines().anyMatch(CatalogNode.READY::equals)) {
        if (System.nanoTime() > deadline || !nodes[i].isAlive()) {
          throw new IOException("ratis-wal node n" + i + " did not start within " + NODE_START_MAX + ":\n"
              + Files.readString(nodeLog(i), StandardCharsets.UTF_8));
        }
        Thread.sleep(POLL_MILLIS);
      }
    }
  }

  Path nodeLog(int i) {
    return dir.resolve("wal-n" + i + ".log");
  }

  /** Every WAL group answers a query (has a leader). */
  private void awaitWalGroups() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + WAL_READY_MAX.toNanos();
    try (WalClient c = walClient()) {
      while (true) {
        try {
          WalClient.await(c.listTimelines());
          return;
        } catch (RuntimeException e) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("ratis-wal groups not ready after " + WAL_READY_MAX + ": " + e, e);
          }
          Thread.sleep(POLL_MILLIS);
        }
      }
    }
  }

  WalClient walClient() {
    return WalClient.connect(wal, WalClientConfig.DEFAULT);
  }

  CatalogClient catalogClient() {
    return CatalogClient.connect(wal, CatalogClientConfig.DEFAULT);
  }

  PageStoreClient pageStoreClient() {
    return new PageStoreClient(shardAddresses, PageStoreClientConfig.DEFAULT);
  }

  /** Ops that ratis-wal holds for some shard and that shard has not made durable yet, summed. */
  static long ingestLagOps(PageStoreClient ps) {
    long lag = 0;
    for (int s = 0; s < ps.shardCount(); s++) {
      StatusReply r = ps.status(s);
      for (TimelineIngest t : r.getTimelinesList()) {
        lag += Math.max(0, t.getLastSeq() - t.getIngestedSeq());
      }
    }
    return lag;
  }

  /** GetBlocks calls the shards answered so far, by how (their {@code pagestore.getblocks.*} timers). */
  Reads reads() {
    long hit = 0;
    long waited = 0;
    long miss = 0;
    for (PageStoreServer s : shards) {
      var timers = s.metrics().getTimers();
      hit += timers.get("pagestore.getblocks.hit").getCount();
      waited += timers.get("pagestore.getblocks.wait").getCount();
      miss += timers.get("pagestore.getblocks.miss").getCount();
    }
    return new Reads(hit, waited, miss);
  }

  /**
   * Median and 99th percentile, in milliseconds, of each shard's GetBlocks calls that had to wait
   * for ingestion ({@code pagestore.getblocks.wait}; a decaying reservoir, so mostly the last
   * minutes), as "shard: p50 / p99 ms (count)" per shard.
   */
  String waitedReads() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < SHARDS; i++) {
      var t = shards[i].metrics().getTimers().get("pagestore.getblocks.wait");
      var s = t.getSnapshot();
      b.append(b.isEmpty() ? "" : "; ").append(String.format(java.util.Locale.ROOT, "shard %d: %.0f / %.0f ms (%d "
          + "calls in the run)", i, s.getMedian() / 1e6, s.get99thPercentile() / 1e6, t.getCount()));
    }
    return b.toString();
  }

  /**
   * GetBlocks calls: answered at once with every block present, after waiting until the shard had
   * ingested the seq the caller named (a compute reading right after its own writes), or with some
   * block absent.
   */
  record Reads(long hit, long waited, long miss) {
    Reads minus(Reads o) {
      return new Reads(hit - o.hit, waited - o.waited, miss - o.miss);
    }

    long calls() {
      return hit + waited + miss;
    }
  }

  /** Fails the run when a node process has died (its log says why). */
  void checkNodesAlive() throws IOException {
    for (int i = 0; i < WAL_NODES; i++) {
      if (nodes[i] != null && !nodes[i].isAlive()) {
        throw new IOException("ratis-wal node n" + i + " exited with " + nodes[i].exitValue() + "; its log, "
            + nodeLog(i) + ", ends:\n" + tail(nodeLog(i)));
      }
    }
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /**
   * Stops the computes cleanly (the control plane does), then the shards, then the node processes.
   * Only the first call does anything (the bench also calls it from a shutdown hook).
   */
  int proxyPort() {
    return control.proxyPort();
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    IOException first = null;
    try {
      if (control != null) {
        control.close();
      }
    } catch (IOException e) {
      first = e;
    }
    for (PageStoreServer s : shards) {
      try {
        if (s != null) {
          s.close();
        }
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    for (Process p : nodes) {
      if (p != null) {
        p.destroy();
      }
    }
    for (Process p : nodes) {
      if (p == null) {
        continue;
      }
      try {
        if (!p.waitFor(NODE_STOP_MAX.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
