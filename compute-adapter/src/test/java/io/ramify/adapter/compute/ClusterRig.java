package io.ramify.adapter.compute;

import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.testsupport.FreePorts;
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

  ClusterRig(Path root) throws IOException {
    this.root = root;
    List<WalCluster.Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    wal = new WalCluster("rig", nodes, 3);
    for (int i = 0; i < 3; i++) {
      startWal(i);
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

  void startShard(int s, int port) throws IOException {
    // History window 0 and no automatic runs: tests collect garbage when they choose to.
    shards[s] = PageStoreServer.start(PageStoreConfig.of(s, SHARDS, wal, root.resolve("shard-" + s), "127.0.0.1",
        port, -1).withGc(java.time.Duration.ZERO, java.time.Duration.ofDays(1)));
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
  }
}
