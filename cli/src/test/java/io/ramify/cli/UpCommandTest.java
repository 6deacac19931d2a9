package io.ramify.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ramify up} refuses before it starts anything, and a failed {@code up} stops what it started. */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class UpCommandTest {
  @TempDir Path tmp;

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
    Cli.Result r = Cli.run(tmp, Map.of(), List.of("-Dramify.pg.bin=" + emptyPgBin, "-Dramify.home=/opt/ramify"),
        "up", "--data-dir", dir.toString());
    assertEquals(1, r.code(), r::toString);
    List<String> lines = r.errLines();
    assertEquals(1, lines.size(), r::toString);
    assertTrue(lines.get(0).startsWith("error: missing prerequisites: " + emptyPgBin.resolve("postgres")
        + " (postgresql-15), " + emptyPgBin.resolve("pg_dump") + " (postgresql-client-15); install with: "), r::toString);
    assertTrue(lines.get(0).endsWith("/opt/ramify/bin/prerequisites --install"), r::toString);
    assertFalse(Files.exists(dir), "up created " + dir + " before checking");
  }

  @Test
  void theMessageNamesOneCommandForPackagesAndTheUser() {
    List<Prerequisites.Missing> m = List.of(new Prerequisites.Missing("fusermount3", "fuse3"),
        new Prerequisites.Missing("libfuse3.so.3", "libfuse3-3"),
        new Prerequisites.Missing("the OS user pg that Postgres runs as", null));
    String home = System.clearProperty("ramify.home");
    try {
      assertEquals("missing prerequisites: fusermount3 (fuse3), libfuse3.so.3 (libfuse3-3), the OS user pg that "
          + "Postgres runs as; install with: sudo apt-get install -y --no-install-recommends fuse3 libfuse3-3 && sudo "
          + "useradd --system --create-home --shell /bin/bash pg", Prerequisites.message(m, "pg", false));
      System.setProperty("ramify.home", "/r");
      assertEquals("missing prerequisites: fusermount3 (fuse3), libfuse3.so.3 (libfuse3-3), the OS user pg that "
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
   * A real {@code up} whose first ratis-wal node cannot start (its data directory is a file): the
   * other two nodes were started, and {@code up} must stop them, leave no pid files and print one
   * error line with the node's reason. Negative controls, tried: with the catch in
   * {@code UpCommand.call()} not calling {@code stopStarted}, the test failed (no "stopping" lines);
   * with {@code stopStarted} printing them but not signalling, it failed with "still running:
   * [n1's pid, n2's pid]" (and killed them in its finally).
   */
  @Test
  void aFailedUpStopsWhatItStarted() throws Exception {
    Assumptions.assumeTrue(Prerequisites.missing("postgres").isEmpty(), "prerequisites missing: "
        + Prerequisites.missing("postgres") + " (bin/prerequisites installs them)");
    Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Path dir = tmp.resolve("inst");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("wal-n0"), "not a directory");
    Cli.Result r = Cli.run(tmp, Map.of(), List.of(), "up", "--data-dir", dir.toString(), "--no-aot-cache");
    Matcher m = Pattern.compile("\\[up] starting (\\S+) \\(pid (\\d+),").matcher(r.err());
    List<ProcessHandle> started = new java.util.ArrayList<>();
    while (m.find()) {
      ProcessHandle.of(Long.parseLong(m.group(2))).ifPresent(started::add);
    }
    try {
      assertEquals(1, r.code(), r::toString);
      List<String> errors = r.errLines().stream().filter(l -> !l.startsWith("[up] ")).toList();
      assertEquals(1, errors.size(), r::toString);
      assertTrue(errors.get(0).startsWith("error: wal-n0 exited with 1 while starting: "), r::toString);
      assertTrue(r.err().contains("[up] up failed: stopping wal-n2"), r::toString);
      assertTrue(r.err().contains("[up] up failed: stopping wal-n1"), r::toString);
      assertTrue(started.stream().noneMatch(ProcessHandle::isAlive), () -> "still running: " + started + "\n" + r);
      try (var pids = Files.list(dir.resolve("run"))) {
        assertEquals(List.of(), pids.toList());
      }
    } finally {
      started.forEach(ProcessHandle::destroyForcibly);
    }
  }
}
