package io.ramify.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Postgres's pg_test_fsync on a file in the benchmark's data directory and keeps its
 * fdatasync figure for one 8 kB write, the method Postgres uses on Linux by default. It reports a
 * rate, not percentiles, so the per-op time is a mean.
 */
final class PgTestFsync {
    static final String DEFAULT_BINARY = "/usr/lib/postgresql/15/bin/pg_test_fsync";
    /** pg_test_fsync runs about 18 tests of this many seconds each. */
    private static final long TIMEOUT_SLACK_SECONDS = 60;

    private static final int TESTS_RUN = 18;
    /** e.g. "        fdatasync                          1234.567 ops/sec     810 usecs/op" */
    private static final Pattern FDATASYNC = Pattern.compile("^\\s*fdatasync\\s+([0-9.]+) ops/sec");

    /** @param opsPerSecond as printed; the first fdatasync line, which is the one-8kB-write test */
    record Figure(double opsPerSecond) {
        double microsPerOp() {
            return 1e6 / opsPerSecond;
        }
    }

    private PgTestFsync() {}

    /** The figure, or empty (with the reason on stderr) when the tool is missing or fails. */
    static Optional<Figure> run(String binary, Path file, int secondsPerTest) throws InterruptedException {
        if (!Files.isExecutable(Path.of(binary))) {
            System.err.println("pg_test_fsync not found at " + binary + "; only the Java fsync probe is reported");
            return Optional.empty();
        }
        Path log = file.resolveSibling("pg_test_fsync.out");
        try {
            Process p = new ProcessBuilder(binary, "-s", Integer.toString(secondsPerTest), "-f", file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            long timeout = (long) TESTS_RUN * secondsPerTest + TIMEOUT_SLACK_SECONDS;
            if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                System.err.println("pg_test_fsync did not finish within " + timeout + " s");
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            Optional<Figure> f = parse(lines);
            if (p.exitValue() != 0 || f.isEmpty()) {
                System.err.println("pg_test_fsync exited " + p.exitValue() + " without an fdatasync figure:\n"
                        + String.join("\n", lines));
            }
            return f;
        } catch (IOException e) {
            System.err.println("pg_test_fsync could not run: " + e);
            return Optional.empty();
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                System.err.println("could not delete " + file + ": " + e);
            }
        }
    }

    static Optional<Figure> parse(List<String> lines) {
        for (String line : lines) {
            Matcher m = FDATASYNC.matcher(line);
            if (m.find()) {
                return Optional.of(new Figure(Double.parseDouble(m.group(1))));
            }
        }
        return Optional.empty();
    }
}
