package io.ramify.pagestore.server;

import io.ramify.wal.client.WalCluster;
import java.nio.file.Path;

/**
 * A shard in its own JVM, so a test can kill it with SIGKILL mid-ingest: no close, no flush, just
 * whatever its synced batches left on disk. Args: shard, shard count, ratis-wal nodes spec,
 * cluster name, groups, data dir, gRPC port, ops per pull. Prints "READY" once serving.
 */
public final class ShardProcessMain {
  private ShardProcessMain() {}

  public static void main(String[] a) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    WalCluster cluster = new WalCluster(a[3], WalCluster.parseNodes(a[2]), Integer.parseInt(a[4]));
    PageStoreConfig c = PageStoreConfig.of(Integer.parseInt(a[0]), Integer.parseInt(a[1]), cluster, Path.of(a[5]),
        "127.0.0.1", Integer.parseInt(a[6]), -1).withMaxOpsPerPull(Integer.parseInt(a[7]));
    PageStoreServer.start(c, PageStoreRig.walClientConfig());
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
