package io.ramify.adapter.compute;

import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.nio.file.Path;

/** One ratis-wal node in its own JVM, for tests that need real process boundaries. */
public final class WalNodeMain {
  private WalNodeMain() {}

  /** Args: clusterName nodes(ID=HOST:PORT,...) groups nodeId dataDir. Runs until killed. */
  public static void main(String[] args) throws Exception {
    var nodes = WalCluster.parseNodes(args[1]);
    WalCluster cluster = new WalCluster(args[0], nodes, Integer.parseInt(args[2]));
    WalServer.start(WalServerConfig.of(cluster, args[3], Path.of(args[4]), -1));
    System.out.println("ready");
    Thread.currentThread().join();
  }
}
