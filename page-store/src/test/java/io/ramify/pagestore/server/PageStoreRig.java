package io.ramify.pagestore.server;

import ch.qos.logback.classic.Level;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.cluster.FreePorts;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.LoggerFactory;

/**
 * Real parts on loopback for page-store tests: a 3-node ratis-wal cluster and page-store shards,
 * each with its own directory under {@code root}. Shards can be stopped and restarted on the same
 * directory and port.
 */
final class PageStoreRig implements AutoCloseable {
  static {
    // Ratis logs a lot at DEBUG; keep test output to what matters.
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.ramify")).setLevel(Level.INFO);
  }

  static final int WAL_NODES = 3;
  static final int WAL_GROUPS = 3;

  final WalCluster cluster;
  final int shardCount;
  private final Path root;
  private final List<WalServer> walServers = new ArrayList<>();
  private final PageStoreServer[] shards;
  private final int[] ports;

  PageStoreRig(Path root, int shardCount) throws IOException {
    this.root = root;
    this.shardCount = shardCount;
    List<WalCluster.Node> ns = new ArrayList<>();
    for (int i = 0; i < WAL_NODES; i++) {
      ns.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    this.cluster = new WalCluster("test", ns, WAL_GROUPS);
    for (int i = 0; i < WAL_NODES; i++) {
      walServers.add(WalServer.start(WalServerConfig.of(cluster, "n" + i, root.resolve("wal-n" + i), -1)));
    }
    this.shards = new PageStoreServer[shardCount];
    this.ports = new int[shardCount];
    for (int i = 0; i < shardCount; i++) {
      ports[i] = FreePorts.next();
    }
  }

  Path shardDir(int shard) {
    return root.resolve("shard" + shard);
  }

  PageStoreConfig shardConfig(int shard) {
    return PageStoreConfig.of(shard, shardCount, cluster, shardDir(shard), "127.0.0.1", ports[shard], 0);
  }

  PageStoreServer start(int shard) throws IOException {
    return start(shardConfig(shard));
  }

  PageStoreServer start(PageStoreConfig c) throws IOException {
    shards[c.shard()] = PageStoreServer.start(c, walClientConfig());
    return shards[c.shard()];
  }

  void stop(int shard) throws IOException {
    shards[shard].close();
    shards[shard] = null;
  }

  PageStoreServer shard(int i) {
    return shards[i];
  }

  int port(int shard) {
    return ports[shard];
  }

  static WalClientConfig walClientConfig() {
    return new WalClientConfig(Duration.ofSeconds(3), 20, Duration.ofMillis(100), Duration.ofSeconds(1), 64 << 10,
        8L << 20);
  }

  WalClient walClient() {
    return WalClient.connect(cluster, walClientConfig());
  }

  PageStoreClient client() {
    List<String> addrs = new ArrayList<>();
    for (int p : ports) {
      addrs.add("127.0.0.1:" + p);
    }
    return new PageStoreClient(addrs, PageStoreClientConfig.DEFAULT);
  }

  /** Waits until every running shard has ingested {@code tl} up to {@code seq}. */
  void awaitIngested(TimelineId tl, long seq, Duration timeout) throws InterruptedException {
    awaitTrue(() -> {
      for (PageStoreServer s : shards) {
        if (s != null && s.ingested(tl) < seq) {
          return false;
        }
      }
      return true;
    }, timeout, () -> "shards did not ingest " + tl.shortForm() + " up to " + seq + ": " + describe());
  }

  String describe() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < shards.length; i++) {
      b.append("\n shard ").append(i).append(": ").append(shards[i] == null ? "stopped" : shards[i].healthJson());
    }
    return b.toString();
  }

  static void awaitTrue(BooleanSupplier cond, Duration timeout, java.util.function.Supplier<String> what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what.get() + " (after " + timeout + ")");
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() throws IOException {
    for (int i = 0; i < shards.length; i++) {
      if (shards[i] != null) {
        stop(i);
      }
    }
    for (WalServer w : walServers) {
      w.close();
    }
  }
}
