package io.ramify.bench.branching;

import io.ramify.catalog.server.CatalogHosting;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.server.WalServer;
import io.ramify.wal.server.WalServerConfig;
import java.nio.file.Path;

/**
 * One ratis-wal node that also hosts the catalog group, in its own JVM as {@code ramify wal-server}
 * runs it. Three Ratis servers in one JVM stall under Postgres load in this code base
 * (docs/architecture.md, known problems), so {@link Stack} starts each node as a process.
 */
public final class CatalogNode {
  /** The line printed on stdout once the node serves; {@link Stack} waits for it. */
  static final String READY = "ready";

  private CatalogNode() {}

  /** Args: clusterName nodes(ID=HOST:PORT,...) walGroups nodeId dataDir. Runs until killed. */
  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: CatalogNode CLUSTER ID=HOST:PORT,... GROUPS NODE_ID DATA_DIR");
      System.exit(2);
    }
    WalCluster cluster = new WalCluster(args[0], WalCluster.parseNodes(args[1]), Integer.parseInt(args[2]));
    WalServer.start(WalServerConfig.of(cluster, args[3], Path.of(args[4]), -1)
        .withHostedGroup(CatalogHosting.hostedOn(cluster)));
    System.out.println(READY);
    System.out.flush();
    io.ramify.bench.ParentWatch.exitWhenParentExits();
  }
}
