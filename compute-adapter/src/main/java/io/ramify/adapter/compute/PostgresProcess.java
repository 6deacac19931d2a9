package io.ramify.adapter.compute;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The stock Debian {@code postgres} of one compute, run as an ordinary OS user (Postgres refuses
 * root). The settings Ramify relies on (docs/design.md §4) go on the command line, never into files in
 * storage, so a branch inherits its parent's configuration files but not its address.
 */
public final class PostgresProcess {
    public static final Path BIN = Path.of(System.getProperty("ramify.pg.bin", "/usr/lib/postgresql/15/bin"));
    /** What correctness needs from Postgres ({@link EnforcedSettings}); a user cannot override these. */
    public static final Map<String, String> ENFORCED = EnforcedSettings.ENFORCED;
    /** The role the adapter's own probes and queries connect as: the superuser {@link #initdb} makes. */
    public static final String SUPERUSER = "postgres";

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
    /** Postgres's listen_addresses: loopback, or the host's address when the proxy runs elsewhere. */
    private final String listenAddress;

    private Process process;
    private volatile List<String> overridden = List.of();

    /** Longest Unix socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
    static final int SOCKET_PATH_MAX = 107;

    public PostgresProcess(Path dataDir, Path workDir, int port, String osUser) throws IOException {
        this(dataDir, workDir, port, osUser, "127.0.0.1");
    }

    public PostgresProcess(Path dataDir, Path workDir, int port, String osUser, String listenAddress)
            throws IOException {
        this.listenAddress = listenAddress;
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
        String socket = workDir.toAbsolutePath()
                .resolve("socket")
                .resolve(".s.PGSQL." + port)
                .toString();
        int bytes = socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > SOCKET_PATH_MAX) {
            throw new IllegalArgumentException("the compute's work directory " + workDir.toAbsolutePath()
                    + " is too deep: Postgres's socket " + socket + " would be " + bytes + " bytes, above the "
                    + SOCKET_PATH_MAX + " a Unix socket path may have; choose a shorter data directory");
        }
    }

    /** Creates a new database cluster in the (empty) data directory, with data checksums. */
    public void initdb() throws IOException {
        run(
                as(List.of(
                        BIN.resolve("initdb").toString(),
                        "-D",
                        dataDir.toString(),
                        "-k",
                        "-U",
                        SUPERUSER,
                        "--auth=trust",
                        "--locale=C",
                        "--encoding=UTF8")),
                true);
    }

    /**
     * Starts the server and waits until it accepts connections (crash recovery may run first). A
     * postmaster left behind by an adapter that was killed is killed first: it holds the port and
     * runs on a dead mount.
     */
    public void start() throws IOException {
        killLeftover();
        allowThisHost();
        List<String> cmd = new ArrayList<>(List.of(
                BIN.resolve("postgres").toString(),
                "-D",
                dataDir.toString(),
                "-p",
                Integer.toString(port),
                "-k",
                socketDir.toString(),
                "-c",
                "listen_addresses=" + listenAddress));
        Map<String, String> settings = EnforcedSettings.forStart(configured("wal_level"));
        settings.forEach((k, v) -> cmd.addAll(List.of("-c", k + "=" + v)));
        ProcessBuilder pb = new ProcessBuilder(as(cmd))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().put("TZ", "UTC");
        process = pb.start();
        Files.writeString(pidFile(), Long.toString(process.pid()));
        long deadline = System.nanoTime() + READY_WAIT_MAX.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(
                        "postgres exited with " + process.exitValue() + " while starting; log:\n" + logTail());
            }
            if (ready()) {
                warnOverridden(settings);
                return;
            }
            sleep(200);
        }
        throw new IOException("postgres not ready after " + READY_WAIT_MAX + "; log:\n" + logTail());
    }

    /** Whether the server accepts connections; asks as {@link #SUPERUSER}, not as the OS user running the JVM. */
    public boolean ready() throws IOException {
        return exec(List.of(
                        BIN.resolve("pg_isready").toString(),
                        "-q",
                        "-h",
                        socketDir.toString(),
                        "-p",
                        Integer.toString(port),
                        "-U",
                        SUPERUSER,
                        "-d",
                        "postgres"))
                == 0;
    }

    /** A setting as the configuration files alone make it ({@code postgres -C}); null when that fails. */
    private String configured(String name) {
        try {
            return output(as(List.of(BIN.resolve("postgres").toString(), "-D", dataDir.toString(), "-C", name)))
                    .trim();
        } catch (IOException e) {
            LOG.warn("cannot read {} from the configuration files: {}", name, e.getMessage());
            return null;
        }
    }

    /**
     * Logs a WARNING for each enforced setting the configuration files set otherwise (e.g. {@code
     * ALTER SYSTEM SET wal_init_zero = on}), which the command line silently beats, and keeps them
     * for {@link #overriddenSettings}. A failed query is only logged: the server runs either way.
     */
    private void warnOverridden(Map<String, String> used) {
        try {
            String rows = output(as(List.of(
                    BIN.resolve("psql").toString(),
                    "-X",
                    "-q",
                    "-A",
                    "-t",
                    "-h",
                    socketDir.toString(),
                    "-p",
                    Integer.toString(port),
                    "-U",
                    SUPERUSER,
                    "-d",
                    "postgres",
                    "-c",
                    "SELECT name, setting, sourcefile FROM pg_file_settings WHERE error IS NULL ORDER BY seqno")));
            overridden = List.copyOf(EnforcedSettings.overridden(rows.lines().toList(), used));
            overridden.forEach(
                    o -> LOG.warn("ignored setting: {} (enforced on the command line, docs/design.md section 4)", o));
        } catch (IOException e) {
            LOG.warn("cannot check the configuration files for enforced settings: {}", e.getMessage());
        }
    }

    /** Enforced settings the configuration files set otherwise, as of the last start (see {@link #warnOverridden}). */
    public List<String> overriddenSettings() {
        return overridden;
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
    /**
     * initdb's pg_hba.conf trusts loopback only. A compute listening on the host's address is reached
     * by the proxy on the same host from that address: trust it too (that one address, not the network).
     */
    private void allowThisHost() throws IOException {
        if (listenAddress.startsWith("127.") || listenAddress.equals("localhost")) {
            return;
        }
        Path hba = dataDir.resolve("pg_hba.conf");
        String line = "host all all " + listenAddress + "/32 trust";
        if (Files.exists(hba)
                && Files.readAllLines(hba).stream().noneMatch(l -> l.strip().equals(line))) {
            Files.writeString(
                    hba,
                    "# added by Ramify: the proxy on this host connects from its address\n" + line + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
        }
    }

    private void killLeftover() throws IOException {
        List<Long> pids = new ArrayList<>();
        if (Files.exists(pidFile())) {
            long pid = Long.parseLong(Files.readString(pidFile()).trim());
            if (isPostgres(pid)) {
                pids.add(pid);
            }
            Files.delete(pidFile());
        }
        pids.addAll(inDataDir());
        killAll(pids.stream().distinct().toList(), "left behind by an earlier run");
    }

    /** Postgres processes working in this data directory (their working directory is on the mount). */
    private List<Long> inDataDir() throws IOException {
        List<Long> pids = new ArrayList<>();
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
        return pids;
    }

    private void killAll(List<Long> pids, String why) throws IOException {
        if (pids.isEmpty()) {
            return;
        }
        LOG.warn("killing postgres processes {} {}", pids, why);
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
            // A postmaster that died leaves backends that exit only once they notice; they would keep
            // the mount busy when the compute unmounts it next.
            killAll(inDataDir(), "still running in the data directory after their postmaster died");
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

    /** The postmaster's process id, or -1 when none was started. */
    public long pid() {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    public Path dataDir() {
        return dataDir;
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
        List<String> out =
                new ArrayList<>(List.of("setpriv", "--reuid=" + osUser, "--regid=" + osUser, "--init-groups", "--"));
        out.addAll(cmd);
        return out;
    }

    private static void run(List<String> cmd, boolean showOutput) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(TOOL_WAIT_MAX.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(
                        String.join(" ", cmd) + " failed (" + (p.isAlive() ? "timeout" : p.exitValue()) + "):\n" + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + cmd, e);
        }
    }

    /** A tool's standard output; its output and exit code in the exception when it fails. */
    private static String output(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.PIPE)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(TOOL_WAIT_MAX.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " failed (" + (p.isAlive() ? "timeout" : p.exitValue())
                        + "): " + err.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + cmd, e);
        }
        return out;
    }

    private static int exec(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
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
