package io.ramify.bench.compute;

import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.nio.file.Path;

/**
 * One ratis-wal node in a JVM of its own, started by {@link StorageCluster} with the benchmark's
 * class path. Prints {@value #READY} once it serves, then runs until it is killed.
 */
public final class WalNode {
  static final String READY = "ready";

  private WalNode() {}

  /**
   * Args: clusterName nodes(ID=HOST:PORT,...) groups nodeId dataDir [metricsPort]; without a
   * metrics port the node serves no /metrics and /health.
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 5 && args.length != 6) {
      System.err.println("usage: WalNode CLUSTER ID=HOST:PORT,... GROUPS NODE_ID DATA_DIR [METRICS_PORT]");
      System.exit(2);
    }
    WalCluster cluster = new WalCluster(args[0], WalCluster.parseNodes(args[1]), Integer.parseInt(args[2]));
    int metricsPort = args.length == 6 ? Integer.parseInt(args[5]) : -1;
    WalServer.start(WalServerConfig.of(cluster, args[3], Path.of(args[4]), metricsPort));
    System.out.println(READY);
    System.out.flush();
    io.ramify.bench.ParentWatch.exitWhenParentExits();
  }
}
