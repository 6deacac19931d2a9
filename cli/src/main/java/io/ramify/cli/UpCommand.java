package io.ramify.cli;

import io.ramify.control.Views;
import io.ramify.control.client.ApiClient;
import io.ramify.control.http.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ramify up}: the whole system on this machine, on loopback: 3 ratis-wal nodes (which host
 * the catalog too), 2 page-store shards and the control plane, each its own process under
 * {@code --data-dir}, then the project {@code app} with the compute of {@code main}.
 */
@Command(name = "up", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = {
        "Starts Ramify on this machine: a 3-node ratis-wal (hosting the branch catalog), 2 page-store shards",
        "and the control plane (REST API), each a background process with its log under DATA_DIR/logs, then",
        "creates the project (first time) and starts the compute of its main branch, and prints how to connect:",
        "one Postgres port (the proxy, 6432) for every branch, by options=endpoint=BRANCH.",
        "Running it again resumes whatever is not running, with the data intact. Stop with `ramify down`."})
public final class UpCommand implements Callable<Integer> {
  /** Bound on each process becoming ready (a first start of ratis-wal elects leaders for 4 groups). */
  static final Duration READY_WAIT_MAX = Duration.ofMinutes(3);

  /** Where everything lives (default: $RAMIFY_DATA_DIR or ./.ramify); the OS user must be able to traverse it. */
  @Mixin DataDirOption dataDir = new DataDirOption();

  @Option(names = {"-p", "--project"}, paramLabel = "NAME", description = "Project to create and start (default: ${DEFAULT-VALUE}).")
  String project = ApiOptions.DEFAULT_PROJECT;

  @Option(names = "--os-user", paramLabel = "USER", description = "OS user Postgres runs as (default: ${DEFAULT-VALUE}).")
  String osUser = "postgres";

  @Option(names = "--aot-cache", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = {"Start servers from a Java AOT cache per role (under DIR/aot), trained by the first run and "
          + "written when `ramify down` stops it: later starts load classes and profiles from it (default: on)."})
  boolean aotCache = true;

  /** How long a process this {@code up} started may take to stop when {@code up} fails, before it is killed. */
  static final Duration STOP_ON_FAILURE_MAX = Duration.ofSeconds(60);

  /** The processes this run started, in start order: a failed {@code up} stops them. */
  private final List<Started> started = new ArrayList<>();

  private record Started(String name, Process process) { }

  @Override
  public Integer call() throws Exception {
    // Before anything is created or started: a missing package is one line with the command to run.
    Prerequisites.check(osUser);
    Local local = new Local(dataDir.path());
    Thread onSignal = new Thread(() -> stopStarted(local, "interrupted"), "up-interrupted");
    Runtime.getRuntime().addShutdownHook(onSignal);
    try {
      int code = up(local);
      removeHook(onSignal);
      return code;
    } catch (Exception | Error e) {
      if (removeHook(onSignal)) {
        stopStarted(local, "up failed");
      }
      throw e;
    }
  }

  /** False when the JVM is already shutting down (then the hook stops what this run started). */
  private static boolean removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
      return true;
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /**
   * Stops the processes this run started (a failed or interrupted {@code up}), newest first, as
   * {@code down} does; processes that were running before this {@code up} stay.
   */
  private synchronized void stopStarted(Local local, String why) {
    for (int i = started.size() - 1; i >= 0; i--) {
      Started s = started.get(i);
      if (s.process().isAlive()) {
        step(why + ": stopping " + s.name() + " (pid " + s.process().pid() + ")");
        s.process().destroy();
        try {
          if (!s.process().waitFor(STOP_ON_FAILURE_MAX.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            s.process().destroyForcibly().waitFor();
          }
        } catch (InterruptedException e) {
          s.process().destroyForcibly();
          Thread.currentThread().interrupt();
        }
      }
      try {
        Files.deleteIfExists(local.pidFile(s.name()));
      } catch (IOException e) {
        step("cannot delete " + local.pidFile(s.name()) + ": " + e.getMessage());
      }
    }
    started.clear();
  }

  private int up(Local local) throws Exception {
    long t0 = System.nanoTime();
    if (local.exists()) {
      local.load();
      step("resuming the installation in " + local.dir);
    } else {
      local.init();
      step("new installation in " + local.dir + " (ports in " + local.file() + ")");
    }
    checkTraversable(local.dir);
    Path computes = Files.createDirectories(local.dir.resolve("computes"));
    Files.setPosixFilePermissions(computes, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    // All WAL nodes at once: a restarting Raft node may need its peers before it is up.
    List<Runnable> waits = new ArrayList<>();
    for (int i = 0; i < Local.WAL_NODES; i++) {
      waits.add(spawn(local, "wal-n" + i, List.of("wal-server", "--node-id", "n" + i, "--nodes", local.walNodes(),
          "--cluster-name", Local.CLUSTER, "--data-dir", local.dir.resolve("wal-n" + i).toString(),
          "--metrics-port", "0"), "ratis-wal node n" + i + " up", "-Xmx1g"));
    }
    for (Runnable w : waits) {
      w.run();
    }
    balanceWalLeaders(local);
    for (int s = 0; s < Local.SHARDS; s++) {
      start(local, "page-store-" + s, List.of("page-store", "--shard", Integer.toString(s), "--of",
          Integer.toString(Local.SHARDS), "--wal-nodes", local.walNodes(), "--wal-cluster-name", Local.CLUSTER,
          "--data-dir", local.dir.resolve("page-store-" + s).toString(), "--port", Integer.toString(local.shardPort(s)),
          "--metrics-port", "0"), " up: grpc ", "-Xmx1g");
    }
    start(local, "control", List.of("control", "--wal-nodes", local.walNodes(), "--wal-cluster-name", Local.CLUSTER,
        "--page-stores", local.pageStores(), "--listen", "127.0.0.1:" + local.apiPort(), "--proxy-listen",
        "127.0.0.1:" + local.proxyPort(), "--default-project", project, "--compute-dir",
        computes.toString(), "--compute-port-base", local.props.getProperty("compute.port.base"), "--os-user", osUser),
        "control plane ready", "-Xmx2g");

    ApiClient api = new ApiClient(local.api());
    try {
      api.get("/v1/projects/" + ApiClient.seg(project), Views.Project.class);
    } catch (ApiException e) {
      if (!"NOT_FOUND".equals(e.code())) {
        throw e;
      }
      step("creating project " + project);
      api.post("/v1/projects", new Views.CreateProject(project, null), Views.ProjectCreated.class);
    }
    step("starting the compute of " + project + "/main (the first start runs initdb -k: up to a minute)");
    Views.Branch main = api.post("/v1/projects/" + ApiClient.seg(project) + "/branches/main/compute/start", null,
        Views.Branch.class);
    String uri = "postgresql://postgres@127.0.0.1:" + local.proxyPort() + "/postgres?options=endpoint%3Dmain";
    step(String.format("ready in %.1f s", (System.nanoTime() - t0) / 1e9));
    System.out.println();
    System.out.println("Ramify is up. API: " + local.api() + "/v1 (OpenAPI: " + local.api() + "/v1/openapi.json)");
    System.out.println("main:   psql \"" + uri + "\"");
    System.out.println("        (through the proxy on port " + local.proxyPort() + ": options=endpoint=BRANCH picks the branch;"
        + " idle computes suspend and wake on connect)");
    System.out.println();
    System.out.println("Make a branch and connect to it:");
    System.out.println("  bin/ramify branch create dev");
    System.out.println("  psql \"$(bin/ramify connect dev)\"     # the proxy starts dev's compute on connect");
    System.out.println("Stop everything: bin/ramify down" + dataDir.asOption());
    return 0;
  }

  /** How long {@code up} waits for the ratis-wal groups to be led by their preferred nodes. */
  static final java.time.Duration LEADER_BALANCE_MAX = java.time.Duration.ofSeconds(30);

  /**
   * Spreads the ratis-wal groups' leaders over the nodes (group g on node g mod 3): a leader
   * spends about twice a follower's CPU per commit. Not balanced is no error; the cluster works.
   */
  private void balanceWalLeaders(Local local) throws InterruptedException {
    java.util.List<io.ramify.wal.client.WalCluster.Node> nodes = io.ramify.wal.client.WalCluster.parseNodes(
        local.walNodes());
    var cluster = new io.ramify.wal.client.WalCluster(Local.CLUSTER, nodes, nodes.size());
    try (var wal = io.ramify.wal.client.WalClient.connect(cluster, io.ramify.wal.client.WalClientConfig.DEFAULT)) {
      if (wal.awaitBalancedLeaders(LEADER_BALANCE_MAX)) {
        step("ratis-wal leaders spread over the nodes");
      } else {
        step("ratis-wal leaders not all on their preferred nodes after " + LEADER_BALANCE_MAX.toSeconds()
            + " s (the cluster works; one node does more of the work)");
      }
    } catch (java.io.IOException e) {
      step("ratis-wal client did not close cleanly: " + e.getMessage());
    }
  }

  private static void step(String s) {
    System.err.println("[up] " + s);
  }

  /** Starts a process unless it runs; waits until its log says {@code readyText}. */
  private void start(Local local, String name, List<String> args, String readyText, String heap)
      throws IOException, InterruptedException {
    spawn(local, name, args, readyText, heap).run();
  }

  /** Starts a process unless it runs; the returned wait returns once its log says {@code readyText}. */
  private Runnable spawn(Local local, String name, List<String> args, String readyText, String heap)
      throws IOException {
    if (local.running(name).isPresent()) {
      step(name + " is running (pid " + local.running(name).get().pid() + ")");
      return () -> { };
    }
    Path log = local.log(name);
    long before = Files.exists(log) ? Files.size(log) : 0;
    List<String> cmd = new ArrayList<>(List.of("setsid", Path.of(System.getProperty("java.home"), "bin", "java")
        .toString(), "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", heap));
    cmd.addAll(io.ramify.common.ServerJvm.OPTIONS);
    if (aotCache) {
      // One cache per role (wal, page-store, control); the role's first server trains it.
      String role = name.replaceFirst("-n?\\d+$", "");
      cmd.addAll(io.ramify.common.AotCache.options(local.dir.resolve("aot"), role,
          System.getProperty("java.class.path"), name.equals(role) || name.endsWith("0")));
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Ramify.class.getName()));
    cmd.addAll(args);
    cmd.add("--debug"); // a server's stderr is its log: an error there comes with its stack trace
    Process p;
    synchronized (this) {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
          Path.of("/dev/null").toFile())).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      started.add(new Started(name, p));
    }
    Files.writeString(local.pidFile(name), Long.toString(p.pid()));
    step("starting " + name + " (pid " + p.pid() + ", log " + log + ")");
    long deadline = System.nanoTime() + READY_WAIT_MAX.toNanos();
    return () -> {
      try {
        while (true) {
          String text = Files.readString(log);
          if (text.length() > before && text.substring((int) before).contains(readyText)) {
            return;
          }
          if (!p.isAlive()) {
            throw new UserError(name + " exited with " + p.exitValue() + " while starting: "
                + cause(text.substring((int) Math.min(before, text.length()))) + " (its log: " + log + ")");
          }
          if (System.nanoTime() > deadline) {
            throw new UserError(name + " not ready after " + READY_WAIT_MAX.toSeconds() + " s; see its log " + log);
          }
          Thread.sleep(100);
        }
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    };
  }

  /** The line of a failed process's log that says why: its last {@code error: } line, else its last line. */
  static String cause(String log) {
    List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).startsWith("error: ")) {
        return lines.get(i).substring("error: ".length());
      }
    }
    return lines.isEmpty() ? "(its log is empty)" : lines.get(lines.size() - 1).strip();
  }

  private void checkTraversable(Path dir) throws IOException {
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)
          && !Files.getOwner(p).getName().equals(osUser)) {
        throw new UserError("the OS user " + osUser + " cannot traverse " + p + " to reach the computes under "
            + dir + "; choose another --data-dir (e.g. /var/lib/ramify) or chmod o+x " + p);
      }
    }
  }
}
