package io.ramify.cli;

import io.ramify.control.ControlConfig;
import io.ramify.control.ControlServer;
import io.ramify.proxy.ProxyConfig;
import io.ramify.wal.client.WalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ramify control}: the control plane (REST API, branch operations, computes) until stopped. */
@Command(name = "control", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = {
        "Runs the control plane: the REST API (GET /v1/openapi.json describes it) over the branch catalog,",
        "ratis-wal and the page stores, and the computes of branches (FUSE mounts and Postgres processes, in",
        "this process). SIGTERM stops every compute cleanly (marked SUSPENDED; the next start resumes it)."})
public final class ControlCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--wal-nodes", required = true, paramLabel = "ID=HOST:PORT,...", description = "ratis-wal nodes.")
  String walNodes;

  @Option(names = "--wal-cluster-name", paramLabel = "NAME", description = "Default: ${DEFAULT-VALUE}.")
  String walClusterName = "ramify";

  @Option(names = "--wal-groups", paramLabel = "N", description = "Raft groups (default: one per node).")
  Integer walGroups;

  @Option(names = "--page-stores", required = true, paramLabel = "HOST:PORT,...",
      description = "Page-store shards, in shard order.")
  String pageStores;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "API address (default: ${DEFAULT-VALUE}).")
  String listen = "127.0.0.1:8470";

  @Option(names = "--proxy-listen", paramLabel = "HOST:PORT",
      description = "Postgres front door for every branch (wakes suspended computes); 'off' disables it (default: ${DEFAULT-VALUE}).")
  String proxyListen = "127.0.0.1:6432";

  @Option(names = "--proxy-tls-cert", paramLabel = "PEM", description = "Certificate chain for TLS at the proxy.")
  Path tlsCert;

  @Option(names = "--proxy-tls-key", paramLabel = "PEM", description = "PKCS#8 private key for --proxy-tls-cert.")
  Path tlsKey;

  @Option(names = "--default-project", paramLabel = "NAME",
      description = "Project of an endpoint named without one (options=endpoint=BRANCH) (default: ${DEFAULT-VALUE}).")
  String defaultProject = ApiOptions.DEFAULT_PROJECT;

  @Option(names = "--compute-dir", required = true, paramLabel = "DIR",
      description = "Where computes mount their data directories and keep logs (must be traversable by --os-user).")
  Path computeDir;

  @Option(names = "--compute-host", paramLabel = "ADDR", description = "Address computes listen on (default: ${DEFAULT-VALUE}).")
  String computeHost = "127.0.0.1";

  @Option(names = "--compute-port-base", paramLabel = "PORT",
      description = "Computes take the first free port from here (default: ${DEFAULT-VALUE}).")
  int computePortBase = 25433;

  @Option(names = "--os-user", paramLabel = "USER", description = "OS user Postgres runs as (default: ${DEFAULT-VALUE}).")
  String osUser = "postgres";

  @Override
  public Integer call() throws Exception {
    ControlConfig cfg;
    String host;
    int port;
    try {
      List<WalCluster.Node> nodes = WalCluster.parseNodes(walNodes);
      WalCluster cluster = new WalCluster(walClusterName, nodes, walGroups == null ? nodes.size() : walGroups);
      int colon = listen.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("--listen must be HOST:PORT, not '" + listen + "'");
      }
      host = listen.substring(0, colon);
      port = Integer.parseInt(listen.substring(colon + 1));
      Files.createDirectories(computeDir);
      cfg = new ControlConfig(cluster, Arrays.stream(pageStores.split(",")).map(String::trim).toList(), computeDir,
          computeHost, computePortBase, osUser, ComputeCommand.osId(osUser, "-u"), ComputeCommand.osId(osUser, "-g"));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    ProxyConfig proxy = null;
    if (!proxyListen.equals("off")) {
      int c = proxyListen.lastIndexOf(':');
      if (c < 0) {
        throw new ParameterException(spec.commandLine(), "--proxy-listen must be HOST:PORT or off");
      }
      proxy = ProxyConfig.of(proxyListen.substring(0, c), Integer.parseInt(proxyListen.substring(c + 1)),
          defaultProject);
      if ((tlsCert == null) != (tlsKey == null)) {
        throw new ParameterException(spec.commandLine(), "give both --proxy-tls-cert and --proxy-tls-key, or neither");
      }
      if (tlsCert != null) {
        try {
          proxy = proxy.withTls(tlsCert.toFile(), tlsKey.toFile());
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), e.getMessage());
        }
      }
    }
    ControlServer server = ControlServer.start(cfg, host, port, proxy, ControlServer.IDLE_CHECK_INTERVAL);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (Exception e) {
        System.err.println("error while stopping the control plane: " + e.getMessage());
      }
      stopped.countDown();
    }, "shutdown"));
    System.out.printf("control plane ready: API http://%s:%d/v1, proxy %s%n", host, server.port(),
        server.proxyPort() < 0 ? "off" : proxyListen.substring(0, proxyListen.lastIndexOf(':')) + ":" + server.proxyPort());
    stopped.await();
    return 0;
  }
}
