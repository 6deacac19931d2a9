package io.ramify.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.TimelineId;
import io.ramify.testsupport.ExpectedError;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy with real clients (psql, pgbench, pgjdbc) on the whole system: two branches at once by
 * connection string alone, with and without TLS (branch from the server name); cancel requests;
 * a suspended branch woken by a connection; idle computes suspended; 20 simultaneous first
 * connections wake one compute; unknown branches, malformed start-up packets and a compute that
 * cannot start get protocol errors, and the proxy stays up.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
@ExpectedError(
        logger = "io.ramify.control.ComputeManager",
        message = "compute of web/broken did not start",
        reason = "branch broken's compute cannot start on purpose: its mount point is blocked")
class ProxyEndToEndTest {
    private static final Logger LOG = LoggerFactory.getLogger(ProxyEndToEndTest.class);
    static final String PG = "/usr/lib/postgresql/15/bin/";
    static final String P = "/v1/projects/web";

    @TempDir
    Path dir;

    private int proxyPort;

    @Test
    void clientsReachBranchesThroughTheProxyWhichWakesAndSuspendsComputes() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Processes.run(
                List.of(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        key.toString(),
                        "-out",
                        cert.toString(),
                        "-days",
                        "2",
                        "-subj",
                        "/CN=*.web.ramify.local"),
                Duration.ofMinutes(1));
        Map<String, String> proxy = Map.of(
                "default-project",
                "web",
                "proxy-tls-cert",
                cert.toString(),
                "proxy-tls-key",
                key.toString(),
                "proxy-wake-timeout-ms",
                Long.toString(Duration.ofMinutes(3).toMillis()));
        try (Stack s = new Stack(dir, true, proxy);
                WalClient wal = WalClient.connect(s.wal, WalClientConfig.DEFAULT)) {
            proxyPort = s.control().proxyPort();
            s.api.post("/v1/projects", new Views.CreateProject("web", null), Views.ProjectCreated.class);
            // main's compute is stopped: the first psql wakes it.
            assertEquals(
                    "STOPPED",
                    s.api.get(P + "/branches/main", Views.Branch.class)
                            .compute()
                            .state());
            assertEquals("1", psql("options=endpoint=main sslmode=disable", "SELECT 1"));
            psql("options=endpoint=main.web sslmode=disable", "CREATE TABLE t (id int primary key, who text)");
            psql("options=endpoint=main.web sslmode=disable", "INSERT INTO t VALUES (1, 'main')");
            s.api.post(P + "/branches", new Views.CreateBranch("dev", "main", null, null, null), Views.Branch.class);
            Views.Connection conn = s.api.get(P + "/branches/dev/connection", Views.Connection.class);
            assertTrue(
                    conn.uri().contains(":" + proxyPort + "/") && conn.uri().contains("endpoint%3Ddev.web"),
                    conn.uri());

            // Two branches at once over JDBC, one with TLS; psql with TLS picks the branch by server name.
            try (Connection main = jdbc("main.web", false);
                    Connection dev = jdbc("dev.web", true)) {
                exec(dev, "INSERT INTO t VALUES (2, 'dev')");
                exec(main, "INSERT INTO t VALUES (3, 'main')");
                assertEquals("1,3", query(main, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"));
                assertEquals("1,2", query(dev, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"));
                assertEquals(
                        "false",
                        query(dev, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
                        "TLS ends at the proxy; the compute side is loopback TCP");
                // A cancel request reaches the compute that runs the query.
                try (Statement st = dev.createStatement()) {
                    Thread canceller = Thread.ofVirtual().start(() -> {
                        sleep(1500);
                        try {
                            st.cancel();
                        } catch (SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    long t0 = System.nanoTime();
                    SQLException e = org.junit.jupiter.api.Assertions.assertThrows(
                            SQLException.class, () -> st.execute("SELECT pg_sleep(60)"));
                    canceller.join();
                    assertEquals("57014", e.getSQLState(), e.getMessage());
                    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(30).toNanos(), "cancelled promptly");
                }
            }
            assertEquals("1,2", psqlSni("dev.web.ramify.local", "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"));
            String bench = pgbench("options=endpoint=dev", "-S", "-c", "2", "-j", "2", "-T", "5", "-n");
            assertTrue(bench.contains("number of failed transactions: 0"), bench);

            // Idle: dev suspends after its timeout; the next connection wakes it.
            s.api.patch(P + "/branches/dev", new Views.UpdateBranch(null, null, null, 3L), Views.Branch.class);
            awaitState(s, "dev", "SUSPENDED", Duration.ofMinutes(1));
            assertEquals(
                    "RUNNING",
                    s.api.get(P + "/branches/main", Views.Branch.class)
                            .compute()
                            .state(),
                    "main (idle timeout 0) is not suspended");
            long t0 = System.nanoTime();
            assertEquals(
                    "1,2",
                    psql(
                            "options=endpoint=dev sslmode=disable",
                            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"));
            LOG.info("woke dev and answered in {} ms", (System.nanoTime() - t0) / 1_000_000);

            // A burst of 20 first connections wakes exactly one compute.
            s.api.patch(P + "/branches/dev", new Views.UpdateBranch(null, null, null, 0L), Views.Branch.class);
            s.api.post(P + "/branches/dev/compute/stop", null, Views.Branch.class);
            TimelineId devTl = TimelineId.parse(
                    s.api.get(P + "/branches/dev", Views.Branch.class).timeline());
            long generation = WalClient.await(wal.status(devTl)).getGeneration();
            ExecutorService pool = Executors.newFixedThreadPool(20);
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                answers.add(pool.submit((Callable<String>) () -> {
                    try (Connection c = jdbc("dev.web", n % 2 == 0)) {
                        return query(c, "SELECT count(*) FROM t");
                    }
                }));
            }
            for (Future<String> a : answers) {
                assertEquals("2", a.get());
            }
            pool.shutdown();
            assertEquals(
                    generation + 1,
                    WalClient.await(wal.status(devTl)).getGeneration(),
                    "20 first connections started one compute");

            // Errors: proper ErrorResponses, and the proxy stays up.
            assertTrue(psqlFails("options=endpoint=nope sslmode=disable").contains("does not exist"));
            assertTrue(psqlFails("sslmode=disable").contains("no branch given"));
            assertTrue(psqlFails("options=endpoint=main.nope sslmode=disable").contains("does not exist"));
            for (byte[] garbage : List.of(new byte[] {0, 0, 0, 3}, new byte[] {0x7f, 0, 0, 0, 1, 2, 3, 4}, new byte[] {
                0, 0, 0, 12, 0, 3, 0, 0, 'u', 's', 'e', 'r'
            })) {
                assertEquals("08P01", errorFromRawStartup(garbage));
            }
            s.api.post(P + "/branches", new Views.CreateBranch("broken", "main", null, null, null), Views.Branch.class);
            TimelineId brokenTl = TimelineId.parse(
                    s.api.get(P + "/branches/broken", Views.Branch.class).timeline());
            Path blocked = Files.createDirectories(dir.resolve("computes").resolve(brokenTl.hex()));
            Processes.run(List.of("chmod", "700", blocked.toString()), Duration.ofSeconds(5));
            String failed = psqlFails("options=endpoint=broken sslmode=disable");
            assertTrue(failed.contains("could not start"), failed);
            assertEquals(
                    "FAILED",
                    s.api.get(P + "/branches/broken", Views.Branch.class)
                            .compute()
                            .state());
            assertEquals(
                    "1,3",
                    psql(
                            "options=endpoint=main sslmode=disable",
                            "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"),
                    "the proxy still serves");
            String metrics = s.api.getText("/v1/metrics");
            assertTrue(metrics.contains("proxy_wakeups") && metrics.contains("proxy_bytes_to_client"), metrics);
        }
    }

    private void awaitState(Stack s, String branch, String state, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!state.equals(s.api.get(P + "/branches/" + branch, Views.Branch.class)
                .compute()
                .state())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(branch + " not " + state + " within " + max);
            }
            Thread.sleep(250);
        }
    }

    private Connection jdbc(String endpoint, boolean tls) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxyPort + "/postgres?user=postgres"
                + "&options=endpoint%3D" + endpoint
                + (tls ? "&sslmode=require&sslfactory=org.postgresql.ssl.NonValidatingFactory" : "&sslmode=disable"));
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private String conninfo(String extra) {
        return "host=127.0.0.1 port=" + proxyPort + " user=postgres dbname=postgres " + extra;
    }

    private String psql(String extra, String sql) {
        Processes.Result r = Processes.exec(
                List.of(PG + "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo(extra), "-c", sql),
                Duration.ofMinutes(5),
                dir,
                Map.of());
        if (r.exitCode() != 0) {
            throw new AssertionError(r.describe());
        }
        return r.stdout().trim();
    }

    /** psql over TLS to a host name (resolved to loopback by hostaddr), so the proxy routes by SNI. */
    private String psqlSni(String host, String sql) {
        Processes.Result r = Processes.exec(
                List.of(
                        PG + "psql",
                        "-X",
                        "-q",
                        "-A",
                        "-t",
                        "-d",
                        "host=" + host + " hostaddr=127.0.0.1 port=" + proxyPort
                                + " user=postgres dbname=postgres sslmode=require",
                        "-c",
                        sql),
                Duration.ofMinutes(5),
                dir,
                Map.of());
        if (r.exitCode() != 0) {
            throw new AssertionError(r.describe());
        }
        return r.stdout().trim();
    }

    private String psqlFails(String extra) {
        Processes.Result r = Processes.exec(
                List.of(PG + "psql", "-X", "-d", conninfo(extra), "-c", "SELECT 1"),
                Duration.ofMinutes(5),
                dir,
                Map.of());
        assertTrue(r.exitCode() != 0, r.describe());
        return r.stderr();
    }

    private String pgbench(String extra, String... args) {
        List<String> cmd = new ArrayList<>(List.of(PG + "pgbench"));
        cmd.addAll(List.of(args));
        cmd.add(conninfo(extra));
        Processes.Result init = Processes.exec(
                List.of(PG + "pgbench", "-i", "-s", "1", "-q", conninfo(extra)), Duration.ofMinutes(5), dir, Map.of());
        assertEquals(0, init.exitCode(), init.describe());
        Processes.Result r = Processes.exec(cmd, Duration.ofMinutes(5), dir, Map.of());
        assertEquals(0, r.exitCode(), r.describe());
        return r.stdout();
    }

    /** Sends raw bytes as a start-up packet; returns the SQLSTATE of the ErrorResponse that comes back. */
    private String errorFromRawStartup(byte[] bytes) throws Exception {
        try (Socket sock = new Socket("127.0.0.1", proxyPort)) {
            sock.setSoTimeout(10_000);
            OutputStream out = sock.getOutputStream();
            out.write(bytes);
            out.flush();
            DataInputStream in = new DataInputStream(sock.getInputStream());
            assertEquals('E', in.readByte());
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            String fields = new String(body, StandardCharsets.UTF_8);
            int c = fields.indexOf("\0C");
            return fields.substring(c + 2, c + 7);
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
