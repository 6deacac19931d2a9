package io.ramify.bench.pagestore;

import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.cluster.FreePorts;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * A 3-node ratis-wal (3 Raft groups) and N page-store shards in this JVM on loopback, each node
 * and shard with its own directory under {@code dir}. Shards can be stopped and started again on
 * the same directories and ports, which is how the benchmark gets at their RocksDB to compact it.
 */
final class Rig implements AutoCloseable {
  static final int WAL_NODES = 3;
  static final int WAL_GROUPS = 3;
  private static final long LEADER_WAIT_MILLIS = 60_000;
  private static final long POLL_MILLIS = 2;

  final WalCluster cluster;
  final int shardCount;
  private final Path dir;
  private final List<WalServer> walServers = new ArrayList<>();
  private final int[] ports;
  private final PageStoreServer[] shards;

  Rig(Path dir, int shardCount) throws IOException {
    this.dir = dir;
    this.shardCount = shardCount;
    List<WalCluster.Node> nodes = new ArrayList<>();
    for (int i = 0; i < WAL_NODES; i++) {
      nodes.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    cluster = new WalCluster("bench", nodes, WAL_GROUPS);
    ports = new int[shardCount];
    shards = new PageStoreServer[shardCount];
    try {
      for (WalCluster.Node n : nodes) {
        walServers.add(WalServer.start(WalServerConfig.of(cluster, n.id(), walDir(n.id()), -1)));
      }
      for (int i = 0; i < shardCount; i++) {
        ports[i] = FreePorts.next();
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private Path walDir(String node) {
    return dir.resolve("wal-" + node);
  }

  Path shardDir(int shard) {
    return dir.resolve("shard" + shard);
  }

  /**
   * Moves every Raft group's leadership to its preferred node (g mod 3) and waits until it is
   * there: a hand-over in the middle of a measurement stalls appends for a second or more.
   */
  void awaitLeaders() throws IOException, InterruptedException {
    try (WalClient c = WalClient.connect(cluster, WalClientConfig.DEFAULT)) {
      if (!c.awaitBalancedLeaders(Duration.ofMillis(LEADER_WAIT_MILLIS))) {
        throw new IOException("Raft groups are not led by their preferred nodes after " + LEADER_WAIT_MILLIS + " ms");
      }
    }
  }

  void startShards() throws IOException {
    for (int i = 0; i < shardCount; i++) {
      shards[i] = PageStoreServer.start(PageStoreConfig.of(i, shardCount, cluster, shardDir(i), "127.0.0.1", ports[i],
          -1), WalClientConfig.DEFAULT);
    }
  }

  void stopShards() throws IOException {
    IOException first = null;
    for (int i = 0; i < shardCount; i++) {
      if (shards[i] != null) {
        try {
          shards[i].close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
        shards[i] = null;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  WalClient walClient() {
    return WalClient.connect(cluster, WalClientConfig.DEFAULT);
  }

  PageStoreClient pageStoreClient() {
    List<String> addresses = new ArrayList<>();
    for (int p : ports) {
      addresses.add("127.0.0.1:" + p);
    }
    return new PageStoreClient(addresses, PageStoreClientConfig.DEFAULT);
  }

  /** Waits until every shard has made {@code tl} durable up to {@code seq}. */
  void awaitIngested(TimelineId tl, long seq, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < shardCount; i++) {
      while (shards[i].ingested(tl) < seq) {
        if (System.nanoTime() > deadline) {
          StringBuilder b = new StringBuilder("shards did not ingest " + tl.shortForm() + " up to " + seq + " in "
              + timeout + ":");
          for (PageStoreServer s : shards) {
            b.append("\n  ").append(s.healthJson());
          }
          throw new IllegalStateException(b.toString());
        }
        Thread.sleep(POLL_MILLIS);
      }
    }
  }

  /** What the running shards' RocksDBs report: SST files plus memtables (the shard's db_bytes gauge). */
  long liveDbBytes() {
    long sum = 0;
    for (PageStoreServer s : shards) {
      sum += ((Number) s.metrics().getGauges().get("pagestore.db_bytes").getValue()).longValue();
    }
    return sum;
  }

  /**
   * With the shards stopped: opens each shard's RocksDB (LZ4 on every level, as the shard sets
   * it), flushes the memtable and compacts the whole key range, so the files hold each key once.
   */
  void compactStoppedShards() {
    for (int i = 0; i < shardCount; i++) {
      if (shards[i] != null) {
        throw new IllegalStateException("shard " + i + " is running; stop it before compacting");
      }
      try (Options o = new Options().setCompressionType(CompressionType.LZ4_COMPRESSION)
              .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION);
          RocksDB db = RocksDB.open(o, shardDir(i).toString());
          FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
        db.flush(f);
        db.compactRange();
      } catch (RocksDBException e) {
        throw new IllegalStateException("cannot compact shard " + i + "'s RocksDB in " + shardDir(i), e);
      }
    }
  }

  /** Bytes of all files under the shard directories, and of just their SST files. */
  DiskBytes shardDiskBytes() {
    long all = 0;
    long sst = 0;
    for (int i = 0; i < shardCount; i++) {
      DiskBytes d = diskBytes(shardDir(i));
      all += d.all();
      sst += d.sst();
    }
    return new DiskBytes(all, sst);
  }

  DiskBytes walDiskBytes() {
    long all = 0;
    for (WalCluster.Node n : cluster.nodes()) {
      all += diskBytes(walDir(n.id())).all();
    }
    return new DiskBytes(all, 0);
  }

  private static DiskBytes diskBytes(Path root) {
    // A running RocksDB deletes files while we walk; walk again when that trips the walk itself.
    for (int attempt = 1; ; attempt++) {
      try {
        return walkOnce(root);
      } catch (UncheckedIOException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  private static DiskBytes walkOnce(Path root) {
    long[] sums = new long[2];
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(Files::isRegularFile).forEach(p -> {
        try {
          long size = Files.size(p);
          sums[0] += size;
          if (p.getFileName().toString().endsWith(".sst")) {
            sums[1] += size;
          }
        } catch (IOException e) {
          // a file RocksDB removed while we walked: it no longer counts
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new DiskBytes(sums[0], sums[1]);
  }

  /** Apparent sizes of files, in bytes: everything, and the SST files among them. */
  record DiskBytes(long all, long sst) {}

  @Override
  public void close() throws IOException {
    IOException first = null;
    try {
      stopShards();
    } catch (IOException e) {
      first = e;
    }
    for (WalServer w : walServers) {
      try {
        w.close();
      } catch (IOException e) {
        first = first == null ? e : first;
      }
    }
    walServers.clear();
    if (first != null) {
      throw first;
    }
  }
}
