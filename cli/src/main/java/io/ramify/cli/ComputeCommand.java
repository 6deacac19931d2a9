package io.ramify.cli;

import io.ramify.adapter.compute.Compute;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.WalCluster;
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

/** {@code ramify compute start}: one stock Postgres on a FUSE mount of a timeline, until stopped. */
@Command(name = "compute", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = "Runs computes: stock Postgres 15 on a FUSE mount of a timeline's view.",
    subcommands = {ComputeCommand.Start.class})
public final class ComputeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
      description = {
          "Claims the timeline (a newer generation fences any older compute), mounts its view at --mount,",
          "runs initdb -k if the timeline is a new root, and starts Postgres on --port. Runs in the",
          "foreground; SIGTERM or Ctrl-C shuts Postgres down cleanly, makes every op durable and unmounts.",
          "The data directory is MOUNT/data. Postgres runs as --os-user (it refuses root)."})
  static final class Start implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--timeline", required = true, paramLabel = "ID", description = "Timeline id (32 hex digits).")
    String timeline;

    @Option(names = "--wal-nodes", required = true, paramLabel = "ID=HOST:PORT,...", description = "ratis-wal nodes.")
    String walNodes;

    @Option(names = "--wal-cluster-name", paramLabel = "NAME", description = "Default: ${DEFAULT-VALUE}.")
    String walClusterName = "ramify";

    @Option(names = "--wal-groups", paramLabel = "N", description = "Raft groups (default: one per node).")
    Integer walGroups;

    @Option(names = "--page-stores", required = true, paramLabel = "HOST:PORT,...",
        description = "Page-store shards, in shard order.")
    String pageStores;

    @Option(names = "--mount", required = true, paramLabel = "DIR", description = "Mount point (created if missing).")
    Path mount;

    @Option(names = "--work-dir", required = true, paramLabel = "DIR", description = "Socket and log directory.")
    Path workDir;

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "Postgres port on 127.0.0.1.")
    int port;

    @Option(names = "--os-user", paramLabel = "USER", description = "OS user Postgres runs as (default: ${DEFAULT-VALUE}).")
    String osUser = "postgres";

    @Override
    public Integer call() throws Exception {
      Compute.Config cfg;
      try {
        List<WalCluster.Node> nodes = WalCluster.parseNodes(walNodes);
        WalCluster cluster = new WalCluster(walClusterName, nodes, walGroups == null ? nodes.size() : walGroups);
        cfg = new Compute.Config(cluster, Arrays.stream(pageStores.split(",")).map(String::trim).toList(),
            TimelineId.parse(timeline), mount, workDir, port, osUser, id("-u"), id("-g"));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      Compute c = new Compute(cfg).start();
      CountDownLatch stopped = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("error while stopping the compute: " + e.getMessage());
        }
        stopped.countDown();
      }, "shutdown"));
      System.out.printf("compute ready: postgresql://postgres@127.0.0.1:%d/postgres (generation %s)%n", port,
          c.generation());
      stopped.await();
      return 0;
    }

    private int id(String flag) throws Exception {
      Process p = new ProcessBuilder("id", flag, osUser).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() != 0 || out.isEmpty()) {
        throw new ParameterException(spec.commandLine(), "OS user '" + osUser + "' does not exist");
      }
      return Integer.parseInt(out);
    }
  }
}
