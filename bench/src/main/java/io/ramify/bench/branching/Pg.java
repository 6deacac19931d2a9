package io.ramify.bench.branching;

import io.ramify.testsupport.Processes;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Postgres client tools against a compute over TCP on loopback, as a user's client connects: psql
 * for one statement, pgbench to load a database. The computes trust local TCP connections.
 */
final class Pg {
    static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    static final String OS_USER = "postgres";
    static final String HOST = "127.0.0.1";
    static final Duration SQL_MAX = Duration.ofMinutes(5);

    private Pg() {}

    /** One statement; psql's unaligned, tuples-only output, trimmed. Fails on any error. */
    static String sql(int port, String sql) {
        List<String> cmd = List.of(
                BIN.resolve("psql").toString(),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                HOST,
                "-p",
                Integer.toString(port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-c",
                sql);
        Processes.Result r = Processes.exec(cmd, SQL_MAX, Path.of("/tmp"), Map.of());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("psql on port " + port + " failed for \"" + sql + "\": " + r.describe());
        }
        return r.stdout().trim();
    }

    /**
     * {@code pgbench -i -s scale} against the compute, its progress lines passed to {@code progress};
     * fails if it does not finish within {@code max}.
     */
    static void pgbenchInit(int port, int scale, Duration max, Consumer<String> progress)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                BIN.resolve("pgbench").toString(),
                "-i",
                "-s",
                Integer.toString(scale),
                "-q",
                "-h",
                HOST,
                "-p",
                Integer.toString(port),
                "-U",
                "postgres",
                "postgres"));
        Process p = new ProcessBuilder(cmd)
                .directory(Path.of("/tmp").toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        List<String> lastLines = new ArrayList<>();
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    progress.accept("pgbench: " + line);
                    synchronized (lastLines) {
                        lastLines.add(line);
                        if (lastLines.size() > 20) {
                            lastLines.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // the process went away; its exit code tells
            }
        });
        if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("pgbench -i -s " + scale + " did not finish within " + max
                    + "; pick a smaller scale (--scales) or a longer --load-timeout");
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        if (p.exitValue() != 0) {
            synchronized (lastLines) {
                throw new IllegalStateException("pgbench -i -s " + scale + " on port " + port + " exited with "
                        + p.exitValue() + ":\n" + String.join("\n", lastLines));
            }
        }
    }
}
