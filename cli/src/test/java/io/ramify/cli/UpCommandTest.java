package io.ramify.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.cluster.FreePorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ramify up} refuses before it starts anything, and a failed {@code up} stops what it started. */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class UpCommandTest {
    @TempDir
    Path tmp;

    /**
     * Postgres "missing" (its binaries looked for in an empty directory, as {@code -Dramify.pg.bin}
     * moves them): one line naming the package and the command, exit 1, and nothing created.
     * Negative control, tried: with the check moved after {@code local.init()}, the data directory
     * existed and the test failed.
     */
    @Test
    void missingPrerequisitesStopUpBeforeAnythingStarts() throws Exception {
        Path dir = tmp.resolve("inst");
        Path emptyPgBin = Files.createDirectories(tmp.resolve("no-postgres"));
        Cli.Result r = Cli.run(
                tmp,
                Map.of(),
                List.of("-Dramify.pg.bin=" + emptyPgBin, "-Dramify.home=/opt/ramify"),
                "up",
                "--data-dir",
                dir.toString());
        assertEquals(1, r.code(), r::toString);
        List<String> lines = r.errLines();
        assertEquals(1, lines.size(), r::toString);
        assertTrue(
                lines.get(0)
                        .startsWith(
                                "error: missing prerequisites: " + emptyPgBin.resolve("postgres") + " (postgresql-15), "
                                        + emptyPgBin.resolve("pg_dump") + " (postgresql-client-15); install with: "),
                r::toString);
        assertTrue(lines.get(0).endsWith("/opt/ramify/bin/prerequisites --install"), r::toString);
        assertFalse(Files.exists(dir), "up created " + dir + " before checking");
    }

    @Test
    void theMessageNamesOneCommandForPackagesAndTheUser() {
        List<Prerequisites.Missing> m = List.of(
                new Prerequisites.Missing("fusermount3", "fuse3"),
                new Prerequisites.Missing("libfuse3.so.3", "libfuse3-3"),
                new Prerequisites.Missing("the OS user pg that Postgres runs as", null));
        String home = System.clearProperty("ramify.home");
        try {
            assertEquals(
                    "missing prerequisites: fusermount3 (fuse3), libfuse3.so.3 (libfuse3-3), the OS user pg that "
                            + "Postgres runs as; install with: sudo apt-get install -y --no-install-recommends fuse3 libfuse3-3 && sudo "
                            + "useradd --system --create-home --shell /bin/bash pg",
                    Prerequisites.message(m, "pg", false));
            System.setProperty("ramify.home", "/r");
            assertEquals(
                    "missing prerequisites: fusermount3 (fuse3), libfuse3.so.3 (libfuse3-3), the OS user pg that "
                            + "Postgres runs as; install with: /r/bin/prerequisites --install --os-user pg",
                    Prerequisites.message(m, "pg", true));
        } finally {
            if (home == null) {
                System.clearProperty("ramify.home");
            } else {
                System.setProperty("ramify.home", home);
            }
        }
    }

    /**
     * A real {@code up} whose first ratis-wal node cannot start (another process listens on its Raft
     * port, named in the installation's port file): the other two nodes were started, and {@code up}
     * must stop them, leave no pid files and print one error line with the node's reason. (Before
     * {@code up} started its parts through the local-cluster fixture, the node's data directory was a
     * file here; the fixture now creates the data directories itself, before it starts a process, so
     * that case fails before anything starts: {@link #aFileInPlaceOfADataDirectoryStopsUpBeforeItStartsAnything}.)
     * The fixture stops the nodes it started; {@code UpCommand.stopStarted} removes their pid files.
     * Negative controls, tried: with the catch in {@code UpCommand.call()} not calling
     * {@code stopStarted}, the test failed with the three pid files left in {@code run}; before the
     * fixture, with {@code stopStarted} not called, it failed for want of the "stopping" lines, and
     * with it printing them but not signalling, with "still running: [n1's pid, n2's pid]".
     */
    @Test
    void aFailedUpStopsWhatItStarted() throws Exception {
        Assumptions.assumeTrue(
                Prerequisites.missing("postgres").isEmpty(),
                "prerequisites missing: " + Prerequisites.missing("postgres") + " (bin/prerequisites installs them)");
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path dir = tmp.resolve("inst");
        Files.createDirectories(dir);
        Cli.Result r;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            writePorts(dir, taken.getLocalPort());
            r = Cli.run(tmp, Map.of(), List.of(), "up", "--data-dir", dir.toString(), "--no-aot-cache");
        }
        Matcher m = Pattern.compile("\\[up] starting (\\S+) \\(pid (\\d+),").matcher(r.err());
        List<ProcessHandle> started = new java.util.ArrayList<>();
        while (m.find()) {
            ProcessHandle.of(Long.parseLong(m.group(2))).ifPresent(started::add);
        }
        try {
            assertEquals(1, r.code(), r::toString);
            List<String> errors =
                    r.errLines().stream().filter(l -> !l.startsWith("[up] ")).toList();
            assertEquals(1, errors.size(), r::toString);
            assertTrue(errors.get(0).startsWith("error: wal-n0 exited with 1 while starting: "), r::toString);
            assertTrue(errors.get(0).contains("the Raft port "), r::toString);
            assertTrue(r.err().contains("[up] up failed: stopping wal-n2"), r::toString);
            assertTrue(r.err().contains("[up] up failed: stopping wal-n1"), r::toString);
            assertTrue(
                    started.stream().noneMatch(ProcessHandle::isAlive), () -> "still running: " + started + "\n" + r);
            try (var pids = Files.list(dir.resolve("run"))) {
                assertEquals(List.of(), pids.toList());
            }
        } finally {
            started.forEach(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * A file where a ratis-wal node's data directory must be: one error line naming it, exit 1, and
     * no process started (the fixture creates the first node's directory before it starts any).
     */
    @Test
    void aFileInPlaceOfADataDirectoryStopsUpBeforeItStartsAnything() throws Exception {
        Assumptions.assumeTrue(
                Prerequisites.missing("postgres").isEmpty(),
                "prerequisites missing: " + Prerequisites.missing("postgres") + " (bin/prerequisites installs them)");
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path dir = tmp.resolve("inst");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("wal-n0"), "not a directory");
        Cli.Result r = Cli.run(tmp, Map.of(), List.of(), "up", "--data-dir", dir.toString(), "--no-aot-cache");
        assertEquals(1, r.code(), r::toString);
        List<String> errors =
                r.errLines().stream().filter(l -> !l.startsWith("[up] ")).toList();
        assertEquals(
                List.of("error: cannot create the directory " + dir.resolve("wal-n0") + ": a file is in its place"),
                errors,
                r::toString);
        assertFalse(r.err().contains("[up] starting "), r::toString);
        try (var pids = Files.list(dir.resolve("run"))) {
            assertEquals(List.of(), pids.toList());
        }
    }

    /** A port file as the first {@code up} writes it, with wal-n0's Raft port {@code walN0Port} and free ports else. */
    private static void writePorts(Path dir, int walN0Port) throws java.io.IOException {
        Properties p = new Properties();
        p.setProperty("wal.n0.port", Integer.toString(walN0Port));
        for (String key :
                List.of("wal.n1.port", "wal.n2.port", "shard.0.port", "shard.1.port", "api.port", "proxy.port")) {
            p.setProperty(key, Integer.toString(FreePorts.next()));
        }
        p.setProperty("compute.port.base", Integer.toString(Local.COMPUTE_PORT));
        try (var out = Files.newOutputStream(dir.resolve("ramify.properties"))) {
            p.store(out, "UpCommandTest");
        }
    }
}
