package io.ramify.control;

import io.ramify.catalog.server.CatalogHosting;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.nio.file.Path;

/** One ratis-wal node hosting the catalog group too, in its own JVM (as `ramify wal-server` runs). */
public final class CatalogNodeMain {
  private CatalogNodeMain() {}

  /** Args: clusterName nodes(ID=HOST:PORT,...) groups nodeId dataDir. Runs until killed. */
  public static void main(String[] args) throws Exception {
    WalCluster cluster = new WalCluster(args[0], WalCluster.parseNodes(args[1]), Integer.parseInt(args[2]));
    WalServer.start(WalServerConfig.of(cluster, args[3], Path.of(args[4]), -1)
        .withHostedGroup(CatalogHosting.hostedOn(cluster)));
    System.out.println("ready");
    Thread.currentThread().join();
  }
}
