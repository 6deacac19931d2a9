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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code ramify compute start}: one stock Postgres on a FUSE mount of a timeline, until stopped. */
@Command(
        name = "compute",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = "Runs computes: stock Postgres 15 on a FUSE mount of a timeline's view.",
        subcommands = {ComputeCommand.Start.class, ComputeCommand.Stop.class})
public final class ComputeCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "start",
            mixinStandardHelpOptions = true,
            sortOptions = false,
            usageHelpWidth = 110,
            description = {
                "ramify compute start BRANCH: asks the control plane (--api) to start the branch's compute and",
                "prints its connection string.",
                "",
                "ramify compute start --timeline ID ...: runs a compute here, in the foreground (what the control",
                "plane does for each branch): claims the timeline (a newer generation fences any older compute),",
                "mounts its view at --mount, runs initdb -k if the timeline is a new root, and starts Postgres on",
                "--port. A crashed Postgres is restarted; a fenced compute stops and says so (exit code 3).",
                "SIGTERM or Ctrl-C shuts Postgres down cleanly, makes every op durable and unmounts. The data",
                "directory is MOUNT/data. Postgres runs as --os-user (it refuses root)."
            })
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Parameters(
                index = "0",
                arity = "0..1",
                paramLabel = "BRANCH",
                description = "Branch whose compute the control plane starts.")
        String branch;

        @picocli.CommandLine.Mixin
        ApiOptions apiOptions;

        @Option(names = "--timeline", paramLabel = "ID", description = "Timeline id (32 hex digits).")
        String timeline;

        @Option(names = "--wal-nodes", paramLabel = "ID=HOST:PORT,...", description = "ratis-wal nodes.")
        String walNodes;

        @Option(names = "--wal-cluster-name", paramLabel = "NAME", description = "Default: ${DEFAULT-VALUE}.")
        String walClusterName = "ramify";

        @Option(names = "--wal-groups", paramLabel = "N", description = "Raft groups (default: one per node).")
        Integer walGroups;

        @Option(
                names = "--page-stores",
                paramLabel = "HOST:PORT,...",
                description = "Page-store shards, in shard order.")
        String pageStores;

        @Option(names = "--mount", paramLabel = "DIR", description = "Mount point (created if missing).")
        Path mount;

        @Option(names = "--work-dir", paramLabel = "DIR", description = "Socket and log directory.")
        Path workDir;

        @Option(names = "--port", paramLabel = "PORT", description = "Postgres port on 127.0.0.1.")
        int port = -1;

        @Option(
                names = "--os-user",
                paramLabel = "USER",
                description = "OS user Postgres runs as (default: ${DEFAULT-VALUE}).")
        String osUser = "postgres";

        @Override
        public Integer call() throws Exception {
            if (timeline == null) {
                if (branch == null) {
                    throw new ParameterException(
                            spec.commandLine(),
                            "give a BRANCH (the control plane starts it) or"
                                    + " --timeline with --wal-nodes, --page-stores, --mount, --work-dir and --port (run one here)");
                }
                return apiOptions.run(api -> {
                    var b = api.post(
                            apiOptions.branchPath(branch) + "/compute/start",
                            null,
                            io.ramify.control.Views.Branch.class);
                    apiOptions.print(
                            b,
                            () -> "compute of " + b.name() + " " + b.compute().state() + ": postgresql://postgres@"
                                    + b.compute().host() + ":" + b.compute().port() + "/postgres"
                                    + (b.compute().message() == null
                                            ? ""
                                            : " (" + b.compute().message() + ")"));
                });
            }
            if (walNodes == null || pageStores == null || mount == null || workDir == null || port < 0) {
                throw new ParameterException(
                        spec.commandLine(),
                        "with --timeline, --wal-nodes, --page-stores, --mount,"
                                + " --work-dir and --port are required");
            }
            Compute.Config cfg;
            try {
                List<WalCluster.Node> nodes = WalCluster.parseNodes(walNodes);
                WalCluster cluster =
                        new WalCluster(walClusterName, nodes, walGroups == null ? nodes.size() : walGroups);
                cfg = new Compute.Config(
                        cluster,
                        Arrays.stream(pageStores.split(",")).map(String::trim).toList(),
                        TimelineId.parse(timeline),
                        mount,
                        workDir,
                        port,
                        osUser,
                        id("-u"),
                        id("-g"));
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            Compute c = new Compute(cfg).start();
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                try {
                                    c.close();
                                } catch (Exception e) {
                                    System.err.println("error while stopping the compute: " + e.getMessage());
                                }
                                stopped.countDown();
                            },
                            "shutdown"));
            System.out.printf(
                    "compute ready: postgresql://postgres@127.0.0.1:%d/postgres (generation %s)%n",
                    port, c.generation());
            Compute.State end = c.awaitEnd();
            if (end == Compute.State.FENCED || end == Compute.State.FAILED) {
                System.err.println("compute ended " + end + ": " + c.endMessage());
                return 3;
            }
            stopped.await();
            return 0;
        }

        private int id(String flag) {
            return osId(osUser, flag);
        }
    }

    @Command(
            name = "stop",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description =
                    "Asks the control plane to stop the branch's compute cleanly (a shutdown checkpoint, then unmount).")
    static final class Stop implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", paramLabel = "BRANCH", description = "The branch.")
        String branch;

        @picocli.CommandLine.Mixin
        ApiOptions apiOptions;

        @Override
        public Integer call() {
            return apiOptions.run(api -> {
                var b = api.post(
                        apiOptions.branchPath(branch) + "/compute/stop", null, io.ramify.control.Views.Branch.class);
                apiOptions.print(
                        b, () -> "compute of " + b.name() + " " + b.compute().state());
            });
        }
    }

    /** The uid ({@code -u}) or gid ({@code -g}) of an OS user; an {@link IllegalArgumentException} if there is none. */
    static int osId(String user, String flag) {
        return io.ramify.control.ControlRole.osId(user, flag);
    }
}
