package io.ramify.control;

import io.ramify.control.client.ApiClient;
import io.ramify.pagestore.server.PageStoreConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.cluster.FreePorts;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole system on loopback for control-plane tests: 3 ratis-wal node processes hosting the
 * WAL groups and the catalog, 2 page-store shards, and the control plane with its REST API.
 */
final class Stack implements AutoCloseable {
  static final int SHARDS = 2;
  final WalCluster wal;
  final List<String> shardAddresses = new ArrayList<>();
  final PageStoreServer[] shards = new PageStoreServer[SHARDS];
  final Process[] walProcesses = new Process[3];
  ControlServer control;
  ApiClient api;
  private final Path root;
  private final ControlConfig config;
  private final io.ramify.proxy.ProxyConfig proxy;

  Stack(Path root) throws IOException, InterruptedException {
    this(root, null);
  }

  /** With {@code proxy}: the proxy in front (idle computes checked every second). */
  Stack(Path root, io.ramify.proxy.ProxyConfig proxy) throws IOException, InterruptedException {
    this.root = root;
    this.proxy = proxy;
    Processes.run(List.of("chmod", "o+x", root.toString()), Duration.ofSeconds(10));
    List<WalCluster.Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
    }
    wal = new WalCluster("stack", nodes, 3);
    StringBuilder spec = new StringBuilder();
    for (WalCluster.Node n : nodes) {
      spec.append(spec.isEmpty() ? "" : ",").append(n.id()).append('=').append(n.address());
    }
    for (int i = 0; i < 3; i++) {
      Path log = root.resolve("wal-n" + i + ".log");
      walProcesses[i] = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx1g", "-cp",
          System.getProperty("java.class.path"), CatalogNodeMain.class.getName(), wal.name(), spec.toString(), "3",
          "n" + i, root.resolve("wal-n" + i).toString()).redirectErrorStream(true)
          .redirectOutput(log.toFile()).start();
    }
    long deadline = System.currentTimeMillis() + 120_000;
    for (int i = 0; i < 3; i++) {
      Path log = root.resolve("wal-n" + i + ".log");
      while (!Files.readString(log).contains("ready")) {
        if (System.currentTimeMillis() > deadline || !walProcesses[i].isAlive()) {
          throw new IOException("node n" + i + " did not start:\n" + Files.readString(log));
        }
        Thread.sleep(100);
      }
    }
    for (int s = 0; s < SHARDS; s++) {
      int port = FreePorts.next();
      shardAddresses.add("127.0.0.1:" + port);
      shards[s] = PageStoreServer.start(PageStoreConfig.of(s, SHARDS, wal, root.resolve("shard-" + s), "127.0.0.1",
          port, -1));
    }
    int uid = Integer.parseInt(Processes.run(List.of("id", "-u", "postgres"), Duration.ofSeconds(10)).trim());
    int gid = Integer.parseInt(Processes.run(List.of("id", "-g", "postgres"), Duration.ofSeconds(10)).trim());
    Path computes = Files.createDirectories(root.resolve("computes"));
    Processes.run(List.of("chmod", "o+x", computes.toString()), Duration.ofSeconds(10));
    config = new ControlConfig(wal, shardAddresses, computes, "127.0.0.1", computePortBase(), "postgres", uid, gid);
    control = ControlServer.start(config, "127.0.0.1", 0, proxy, Duration.ofSeconds(1));
    api = new ApiClient("http://127.0.0.1:" + control.port());
  }

  /**
   * Stops the control plane (its computes stop with it) and starts a new one on the same parts, as
   * after a crash or an upgrade: what it knows comes from the catalog and ratis-wal alone.
   */
  void restartControl() throws IOException {
    control.close();
    control = ControlServer.start(config, "127.0.0.1", 0, proxy, Duration.ofSeconds(1));
    api = new ApiClient("http://127.0.0.1:" + control.port());
  }

  /**
   * Computes listen below the kernel's ephemeral port range: a port probed free there is not taken
   * by an outgoing connection in the seconds before Postgres binds it.
   */
  static int computePortBase() throws IOException {
    String[] range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).getFirst().trim()
        .split("\\s+");
    return Integer.parseInt(range[0]) - 2 * io.ramify.control.ControlConfig.COMPUTE_PORTS_MAX;
  }

  @Override
  public void close() throws IOException {
    try {
      if (control != null) {
        control.close();
      }
    } finally {
      for (PageStoreServer s : shards) {
        if (s != null) {
          s.close();
        }
      }
      for (Process p : walProcesses) {
        if (p != null) {
          p.destroyForcibly();
        }
      }
    }
  }
}
