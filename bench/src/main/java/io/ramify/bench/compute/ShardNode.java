package io.ramify.bench.compute;

import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.wal.client.WalCluster;
import java.nio.file.Path;

/**
 * One page-store shard in a JVM of its own, started by {@link StorageCluster} when asked to, with
 * the benchmark's class path: then /proc tells the shards' CPU apart from the benchmark's. Serves
 * /metrics and /health on its metrics port; prints {@value #READY} once it serves, then runs until
 * it is killed.
 */
public final class ShardNode {
  static final String READY = "ready";

  private ShardNode() {}

  /** Args: clusterName nodes(ID=HOST:PORT,...) groups shard shardCount dataDir port metricsPort. */
  public static void main(String[] args) throws Exception {
    if (args.length != 8) {
      System.err.println("usage: ShardNode CLUSTER ID=HOST:PORT,... GROUPS SHARD SHARDS DATA_DIR PORT METRICS_PORT");
      System.exit(2);
    }
    WalCluster cluster = new WalCluster(args[0], WalCluster.parseNodes(args[1]), Integer.parseInt(args[2]));
    PageStoreServer.start(StorageCluster.shardConfig(Integer.parseInt(args[3]), Integer.parseInt(args[4]), cluster,
        Path.of(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7])));
    System.out.println(READY);
    System.out.flush();
    io.ramify.bench.ParentWatch.exitWhenParentExits();
  }
}
