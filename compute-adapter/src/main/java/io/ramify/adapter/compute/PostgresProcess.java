package io.ramify.adapter.compute;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stock Debian {@code postgres} of one compute, run as an ordinary OS user (Postgres refuses
 * root). The settings Ramify relies on (DESIGN.md §4) go on the command line, never into files in
 * storage, so a branch inherits its parent's configuration files but not its address.
 */
public final class PostgresProcess {
  public static final Path BIN = Path.of(System.getProperty("ramify.pg.bin", "/usr/lib/postgresql/15/bin"));
  /** What correctness needs from Postgres; a user cannot override these. */
  public static final Map<String, String> ENFORCED = enforced();
  static final Duration READY_WAIT_MAX = Duration.ofMinutes(10);
  static final Duration STOP_WAIT_MAX = Duration.ofMinutes(5);
  static final Duration TOOL_WAIT_MAX = Duration.ofMinutes(10);
  static final Duration LEFTOVER_WAIT_MAX = Duration.ofSeconds(30);
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PostgresProcess.class);
  private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

  private final Path dataDir;
  private final Path socketDir;
  private final Path logFile;
  private final int port;
  private final String osUser;
  private Process process;

  /** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
  static final int SOCKET_PATH_MAX = 107;

  public PostgresProcess(Path dataDir, Path workDir, int port, String osUser) throws IOException {
    this.dataDir = dataDir;
    this.socketDir = workDir.toAbsolutePath().resolve("socket");
    checkSocketPath(workDir, port);
    this.logFile = workDir.resolve("postgres.log");
    this.port = port;
    this.osUser = osUser;
    Files.createDirectories(socketDir);
    if (ROOT) {
      run(List.of("chown", "-R", osUser + ":", workDir.toString()), false);
    }
  }

  /**
   * Refuses a work directory so deep that Postgres's Unix socket path would be too long: Postgres
   * would fail to create it and exit with a message few would connect to the directory's depth.
   */
  public static void checkSocketPath(Path workDir, int port) {
    String socket = workDir.toAbsolutePath().resolve("socket").resolve(".s.PGSQL." + port).toString();
    int bytes = socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    if (bytes > SOCKET_PATH_MAX) {
      throw new IllegalArgumentException("the compute's work directory " + workDir.toAbsolutePath()
          + " is too deep: Postgres's socket " + socket + " would be " + bytes + " bytes, above the "
          + SOCKET_PATH_MAX + " a Unix socket path may have; choose a shorter data directory");
    }
  }

  private static Map<String, String> enforced() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("full_page_writes", "on");
    m.put("fsync", "on");
    m.put("data_sync_retry", "off");
    m.put("wal_recycle", "off");
    m.put("wal_init_zero", "off");
    m.put("recovery_init_sync_method", "syncfs");
    m.put("dynamic_shared_memory_type", "posix");
    m.put("wal_level", "replica");
    return Map.copyOf(m);
  }

  /** Creates a new database cluster in the (empty) data directory, with data checksums. */
  public void initdb() throws IOException {
    run(as(List.of(BIN.resolve("initdb").toString(), "-D", dataDir.toString(), "-k", "-U", "postgres",
        "--auth=trust", "--locale=C", "--encoding=UTF8")), true);
  }

  /**
   * Starts the server and waits until it accepts connections (crash recovery may run first). A
   * postmaster left behind by an adapter that was killed is killed first: it holds the port and
   * runs on a dead mount.
   */
  public void start() throws IOException {
    killLeftover();
    List<String> cmd = new ArrayList<>(List.of(BIN.resolve("postgres").toString(), "-D", dataDir.toString(),
        "-p", Integer.toString(port), "-k", socketDir.toString(), "-c", "listen_addresses=127.0.0.1"));
    ENFORCED.forEach((k, v) -> cmd.addAll(List.of("-c", k + "=" + v)));
    ProcessBuilder pb = new ProcessBuilder(as(cmd)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().put("TZ", "UTC");
    process = pb.start();
    Files.writeString(pidFile(), Long.toString(process.pid()));
    long deadline = System.nanoTime() + READY_WAIT_MAX.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("postgres exited with " + process.exitValue() + " while starting; log:\n" + logTail());
      }
      if (ready()) {
        return;
      }
      sleep(200);
    }
    throw new IOException("postgres not ready after " + READY_WAIT_MAX + "; log:\n" + logTail());
  }

  public boolean ready() throws IOException {
    return exec(List.of(BIN.resolve("pg_isready").toString(), "-q", "-h", socketDir.toString(), "-p",
        Integer.toString(port))) == 0;
  }

  /** Blocks until the running server exits; its exit code (-1 when none was started). */
  public int waitForExit() {
    Process p = process;
    if (p == null) {
      return -1;
    }
    while (true) {
      try {
        return p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return -1;
      }
    }
  }

  private Path pidFile() {
    return logFile.resolveSibling("postgres.pid");
  }

  /**
   * Kills what an earlier run left: the postmaster named in the pid file (its adapter was killed,
   * so it runs on a dead mount), and any backend still working in this data directory after its
   * postmaster died (it keeps the old shared memory, which a new postmaster refuses to share).
   */
  private void killLeftover() throws IOException {
    List<Long> pids = new ArrayList<>();
    if (Files.exists(pidFile())) {
      long pid = Long.parseLong(Files.readString(pidFile()).trim());
      if (isPostgres(pid)) {
        pids.add(pid);
      }
      Files.delete(pidFile());
    }
    try (var procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.toList()) {
        String name = p.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit) && isPostgres(Long.parseLong(name))) {
          try {
            if (Files.readSymbolicLink(p.resolve("cwd")).equals(dataDir)) {
              pids.add(Long.parseLong(name));
            }
          } catch (IOException e) {
            // gone meanwhile, or not ours to inspect
          }
        }
      }
    }
    if (pids.isEmpty()) {
      return;
    }
    LOG.warn("killing postgres processes {} left behind by an earlier run", pids);
    List<String> cmd = new ArrayList<>(List.of("kill", "-9"));
    pids.forEach(p -> cmd.add(Long.toString(p)));
    exec(cmd);
    long deadline = System.nanoTime() + LEFTOVER_WAIT_MAX.toNanos();
    while (pids.stream().anyMatch(PostgresProcess::isPostgres) && System.nanoTime() < deadline) {
      sleep(100);
    }
  }

  private static boolean isPostgres(long pid) {
    try {
      Path comm = Path.of("/proc", Long.toString(pid), "comm");
      return Files.exists(comm) && Files.readString(comm).trim().equals("postgres");
    } catch (IOException e) {
      return false;
    }
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** Fast shutdown: a shutdown checkpoint, so the next start needs no recovery. */
  public void stop() throws IOException {
    if (!alive()) {
      return;
    }
    // SIGINT is Postgres's "fast" shutdown (SIGTERM would wait for clients to leave).
    run(List.of("kill", "-INT", Long.toString(process.pid())), false);
    try {
      if (!process.waitFor(STOP_WAIT_MAX.toSeconds(), TimeUnit.SECONDS)) {
        throw new IOException("postgres did not stop within " + STOP_WAIT_MAX + "; log:\n" + logTail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** kill -9, for tests of crash safety. */
  public void kill() throws IOException {
    if (alive()) {
      run(List.of("kill", "-9", Long.toString(process.pid())), false);
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  public int port() {
    return port;
  }

  public Path socketDir() {
    return socketDir;
  }

  public Path logFile() {
    return logFile;
  }

  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private List<String> as(List<String> cmd) {
    if (!ROOT) {
      return cmd;
    }
    // setpriv execs in place (no intermediate process), so signals reach postgres itself.
    List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + osUser, "--regid=" + osUser,
        "--init-groups", "--"));
    out.addAll(cmd);
    return out;
  }

  private static void run(List<String> cmd, boolean showOutput) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(TOOL_WAIT_MAX.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed (" + (p.isAlive() ? "timeout" : p.exitValue())
            + "):\n" + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + cmd, e);
    }
  }

  private static int exec(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
