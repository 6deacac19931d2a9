package io.ramify.testsupport;

import io.ramify.cluster.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A stock PostgreSQL 15 (the Debian binaries) in a directory of its own, for tests: initdb with
 * data checksums, a server on a free loopback port with its socket in that directory, psql and
 * pgbench against it, fast shutdown and removal.
 *
 * <p>Postgres refuses to run as root. When the JVM is root (as in CI), every Postgres binary runs
 * as the OS user {@code postgres} through {@code runuser}, and the directories it needs are handed
 * to that user; the base directory's parents must be traversable by it.
 */
public final class VanillaPostgres implements AutoCloseable {
    public static final Path DEFAULT_BIN = Path.of("/usr/lib/postgresql/15/bin");
    public static final String OS_USER = "postgres";
    public static final String SUPERUSER = "postgres";
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    /** Server and tools print times in UTC, so tests can compare timestamps as text. */
    private static final Map<String, String> ENV = Map.of("TZ", "UTC", "PGTZ", "UTC", "LC_ALL", "C");

    private final Path bin;
    private final Path baseDir;
    private final Path dataDir;
    private final int port;
    /** Whether close() deletes the data directory (not for one this instance did not create). */
    private final boolean ownsData;

    private boolean running;

    private VanillaPostgres(Path bin, Path baseDir, Path dataDir, int port, boolean ownsData) {
        this.bin = bin;
        this.baseDir = baseDir;
        this.dataDir = dataDir;
        this.port = port;
        this.ownsData = ownsData;
    }

    /**
     * A server on an existing data directory (a FUSE mount, say) with its socket and log in
     * {@code workDir}; close() stops it and leaves the data directory alone.
     */
    public static VanillaPostgres attach(Path dataDir, Path workDir, int port) {
        VanillaPostgres pg =
                new VanillaPostgres(binDir(), workDir.toAbsolutePath(), dataDir.toAbsolutePath(), port, false);
        pg.prepareWorkDir();
        return pg;
    }

    /** Runs {@code initdb -k} into an existing empty {@code dataDir}, socket and log in {@code workDir}. */
    public static VanillaPostgres initAt(
            Path dataDir, Path workDir, List<String> initdbArgs, Map<String, String> settings) {
        VanillaPostgres pg = attach(dataDir, workDir, FreePorts.next());
        pg.initdb(initdbArgs, settings);
        return pg;
    }

    private void prepareWorkDir() {
        try {
            Files.createDirectories(socketDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (ROOT) {
            Processes.run(List.of("chown", "-R", OS_USER + ":", baseDir.toString()), TIMEOUT);
            allowTraversal(baseDir.getParent());
            allowTraversal(dataDir.getParent());
        }
    }

    /** Where the binaries are: system property {@code ramify.pg.bin}, else the Debian PG15 path. */
    public static Path binDir() {
        return Path.of(System.getProperty("ramify.pg.bin", DEFAULT_BIN.toString()));
    }

    /** Whether the PostgreSQL 15 binaries are installed, so tests can skip when they are not. */
    public static boolean available() {
        Path bin = binDir();
        return Stream.of("initdb", "postgres", "pg_ctl", "psql").allMatch(n -> Files.isExecutable(bin.resolve(n)));
    }

    /**
     * Runs {@code initdb -k} in {@code baseDir/data} (baseDir must exist) and appends {@code settings}
     * to postgresql.conf after the ones this class needs (port, socket directory, UTC time zone).
     */
    public static VanillaPostgres init(Path baseDir, List<String> initdbArgs, Map<String, String> settings) {
        Path base = baseDir.toAbsolutePath();
        VanillaPostgres pg = new VanillaPostgres(binDir(), base, base.resolve("data"), FreePorts.next(), true);
        pg.prepareWorkDir();
        pg.initdb(initdbArgs, settings);
        return pg;
    }

    private void initdb(List<String> initdbArgs, Map<String, String> settings) {
        List<String> cmd = new ArrayList<>(List.of(
                "-D",
                dataDir().toString(),
                "-k",
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--locale=C",
                "--encoding=UTF8",
                "--no-sync"));
        cmd.addAll(initdbArgs);
        run("initdb", cmd.toArray(String[]::new));
        StringBuilder conf = new StringBuilder("\n# added by VanillaPostgres\n")
                .append("port = ")
                .append(port)
                .append('\n')
                .append("listen_addresses = '127.0.0.1'\n")
                .append("unix_socket_directories = '")
                .append(socketDir())
                .append("'\n")
                .append("timezone = 'UTC'\nlog_timezone = 'UTC'\n");
        settings.forEach((k, v) ->
                conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
        try {
            // Appending keeps the file's owner (the postgres user when we are root).
            Files.writeString(dataDir().resolve("postgresql.conf"), conf, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The postgres user must be able to walk down to its directory; JUnit's temporary directories
     * are private to root, so their ancestors get the search bit for others (never read access).
     */
    static void allowTraversal(Path dir) {
        for (Path p = dir; p != null; p = p.getParent()) {
            try {
                var perms = java.nio.file.Files.getPosixFilePermissions(p);
                if (perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    java.nio.file.Files.setPosixFilePermissions(p, perms);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make " + p + " traversable for the postgres user", e);
            }
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path walDir() {
        return dataDir().resolve("pg_wal");
    }

    public Path socketDir() {
        return baseDir.resolve("s");
    }

    public Path logFile() {
        return baseDir.resolve("server.log");
    }

    public int port() {
        return port;
    }

    /** Starts the server and waits until it accepts connections. */
    public void start() {
        start(Map.of());
    }

    /** Starts with settings given on the command line ({@code -c name=value}), not in files. */
    public void start(Map<String, String> commandLineSettings) {
        StringBuilder o = new StringBuilder("-p ")
                .append(port)
                .append(" -k ")
                .append(socketDir())
                .append(" -c listen_addresses=127.0.0.1");
        commandLineSettings.forEach(
                (k, v) -> o.append(" -c ").append(k).append('=').append(v));
        run(
                "pg_ctl",
                "-D",
                dataDir().toString(),
                "-l",
                logFile().toString(),
                "-w",
                "-t",
                "120",
                "-o",
                o.toString(),
                "start");
        running = true;
    }

    /** kill -9 of the postmaster (its children die with it when they notice): a crash. */
    public void crash() {
        try {
            String pid = Files.readAllLines(dataDir().resolve("postmaster.pid"))
                    .getFirst()
                    .trim();
            Processes.run(List.of("kill", "-9", pid), TIMEOUT);
            for (int i = 0;
                    i < 100
                            && Processes.exec(List.of("kill", "-0", pid), TIMEOUT, baseDir, ENV)
                                            .exitCode()
                                    == 0;
                    i++) {
                Thread.sleep(100);
            }
            // Backends exit once they see the postmaster gone; give them a moment to release shared memory.
            Thread.sleep(1000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
    }

    /** Fast shutdown: aborts sessions, writes a shutdown checkpoint, waits for the server to exit. */
    public void stop() {
        run("pg_ctl", "-D", dataDir().toString(), "-m", "fast", "-w", "-t", "120", "stop");
        running = false;
    }

    /** Runs one SQL command string as the superuser; returns unaligned, tuples-only output. */
    public String psql(String sql) {
        return run(
                "psql",
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                socketDir().toString(),
                "-p",
                Integer.toString(port),
                "-U",
                SUPERUSER,
                "-d",
                "postgres",
                "-c",
                sql);
    }

    /** Runs pgbench against database postgres, e.g. {@code pgbench("-i", "-s", "2")}. */
    public String pgbench(String... args) {
        List<String> cmd =
                new ArrayList<>(List.of("-h", socketDir().toString(), "-p", Integer.toString(port), "-U", SUPERUSER));
        cmd.addAll(List.of(args));
        cmd.add("postgres");
        return run("pgbench", cmd.toArray(String[]::new));
    }

    /** Runs a binary from the Postgres bin directory; returns stdout, throws if it fails. */
    public String run(String binary, String... args) {
        Processes.Result r = exec(binary, args);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(r.describe() + (running ? "\n--- server log tail:\n" + logTail() : ""));
        }
        return r.stdout();
    }

    /** Runs a binary from the Postgres bin directory and returns its result whatever the exit code. */
    public Processes.Result exec(String binary, String... args) {
        List<String> cmd = new ArrayList<>();
        if (ROOT) {
            cmd.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        cmd.add(bin.resolve(binary).toString());
        cmd.addAll(List.of(args));
        return Processes.exec(cmd, TIMEOUT, baseDir, ENV);
    }

    /** The last lines of the server log, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile());
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no server log: " + e + ")";
        }
    }

    /** Removes what this instance created under the base directory. */
    public void delete() {
        for (Path p : ownsData ? List.of(dataDir(), socketDir(), logFile()) : List.of(socketDir(), logFile())) {
            if (!Files.exists(p)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(q);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + p, e);
            }
        }
    }

    /** Stops the server if it runs, then deletes its files. */
    @Override
    public void close() {
        try {
            if (running) {
                stop();
            }
        } finally {
            delete();
        }
    }
}
