package io.ramify.bench.compute;

import java.nio.file.Path;

/**
 * Where one Postgres server answers: its Unix socket directory (pgbench connects there) and its
 * loopback TCP port (the benchmark's own queries use JDBC over it).
 */
public record Endpoint(String name, Path socketDir, int port) {
    public String jdbcUrl() {
        // Short timeouts: readiness is polled every few milliseconds while a server starts.
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&connectTimeout=5&socketTimeout=900"
                + "&ApplicationName=ramify-bench";
    }
}
