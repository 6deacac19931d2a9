package io.ramify.control;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs Postgres client tools (psql, pg_dump) against a compute over its Unix socket. */
final class Psql {
    static final Path BIN = Path.of(System.getProperty("ramify.pg.bin", "/usr/lib/postgresql/15/bin"));
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private Psql() {}

    /** One SQL statement; returns psql's unaligned, tuples-only output. */
    static String run(Path socketDir, int port, String osUser, String sql, Duration max) {
        return tool(
                osUser,
                max,
                List.of(
                        BIN.resolve("psql").toString(),
                        "-X",
                        "-q",
                        "-A",
                        "-t",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "-h",
                        socketDir.toString(),
                        "-p",
                        Integer.toString(port),
                        "-U",
                        "postgres",
                        "-d",
                        "postgres",
                        "-c",
                        sql));
    }

    /**
     * {@code CHECKPOINT} over a JDBC connection to the compute's TCP port: on the path of every branch
     * at the head of a running parent, where starting psql (setpriv, psql, its connection) cost tens of
     * milliseconds more than the checkpoint's own work.
     */
    static void checkpoint(String host, int port, Duration max) {
        long secs = Math.max(1, max.toSeconds());
        String url = "jdbc:postgresql://" + host + ":" + port + "/postgres?user=postgres&ApplicationName=ramify-control"
                + "&connectTimeout=" + secs + "&socketTimeout=" + secs;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(url);
                java.sql.Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("CHECKPOINT on " + host + ":" + port + " failed: " + e.getMessage(), e);
        }
    }

    /** The schema of the compute's {@code postgres} database as {@code pg_dump --schema-only} prints it. */
    static String schema(Path socketDir, int port, String osUser, Duration max) {
        return tool(
                osUser,
                max,
                List.of(
                        BIN.resolve("pg_dump").toString(),
                        "--schema-only",
                        "--no-owner",
                        "-h",
                        socketDir.toString(),
                        "-p",
                        Integer.toString(port),
                        "-U",
                        "postgres",
                        "postgres"));
    }

    private static String tool(String osUser, Duration max, List<String> cmd) {
        List<String> full = new ArrayList<>();
        if (ROOT) {
            full.addAll(List.of("setpriv", "--reuid=" + osUser, "--regid=" + osUser, "--init-groups", "--"));
        }
        full.addAll(cmd);
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(cmd.getFirst() + " did not finish within " + max);
            }
            String text = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(Path.of(cmd.getFirst()).getFileName() + " failed: " + text.trim());
            }
            return text;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot run " + cmd.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd.getFirst(), e);
        }
    }
}
