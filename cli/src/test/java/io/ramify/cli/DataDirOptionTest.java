package io.ramify.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every API command finds the installation as {@code up} and {@code down} do: {@code --data-dir},
 * {@code $RAMIFY_DATA_DIR} or {@code ./.ramify}, and goes to the API port in its port file. A
 * small HTTP server started here on a free port stands in for the control plane; what it saw
 * proves where each command went (a command that fell back to 8470 would not reach it).
 *
 * <p>Negative control, tried: with {@code ApiOptions.apiUrl()} changed back to the old
 * {@code RAMIFY_API}-else-{@code http://127.0.0.1:8470} rule, the first three tests failed (the
 * commands reported the API at 8470 as not answering, and the server saw nothing);
 * {@code anInstallationThatIsDownSaysHowToStartIt} passed, as nothing listened on 8470 either.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class DataDirOptionTest {
    static final String CONNECTION =
            "{\"uri\":\"postgresql://postgres@127.0.0.1:6432/postgres?options=endpoint%3Dmain\","
                    + "\"directUri\":\"postgresql://postgres@127.0.0.1:25433/postgres\",\"host\":\"127.0.0.1\",\"port\":25433,"
                    + "\"user\":\"postgres\",\"database\":\"postgres\",\"state\":\"running\"}";

    @TempDir
    Path tmp;

    HttpServer server;
    final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
            boolean connection = ex.getRequestURI().getPath().equals("/v1/projects/app/branches/main/connection");
            byte[] body = (connection
                            ? CONNECTION
                            : "{\"code\":\"NOT_FOUND\",\"message\":\"answered by the test server\"}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(connection ? 200 : 404, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    /** An installation whose port file names {@code apiPort}, as {@code ramify up} writes it. */
    static Path installation(Path dir, int apiPort) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve("ramify.properties"),
                "#ramify up: ports of this installation\n"
                        + "wal.n0.port=7401\nwal.n1.port=7402\nwal.n2.port=7403\nshard.0.port=7411\nshard.1.port=7412\n"
                        + "api.port=" + apiPort + "\nproxy.port=6432\ncompute.port.base=25433\n");
        return dir;
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Test
    void everyApiCommandGoesToThePortInTheDataDirsPortFile() throws Exception {
        Path dir = installation(tmp.resolve("inst"), port());
        Cli.Result connect = Cli.run(tmp, "connect", "main", "--data-dir", dir.toString());
        assertEquals(0, connect.code(), connect::toString);
        assertEquals(
                "postgresql://postgres@127.0.0.1:6432/postgres?options=endpoint%3Dmain",
                connect.out().strip());
        List<List<String>> others = List.of(
                List.of("branch", "list"),
                List.of("branch", "create", "dev"),
                List.of("project", "list"),
                List.of("diff", "dev"),
                List.of("compute", "start", "main"),
                List.of("compute", "stop", "main"));
        for (List<String> args : others) {
            int before = seen.size();
            String[] argv = java.util.stream.Stream.concat(
                            args.stream(), java.util.stream.Stream.of("--data-dir", dir.toString()))
                    .toArray(String[]::new);
            Cli.Result r = Cli.run(tmp, argv);
            assertEquals(1, r.code(), () -> args + ": " + r);
            assertEquals(
                    List.of("error: answered by the test server (NOT_FOUND)"), r.errLines(), () -> args + ": " + r);
            assertTrue(seen.size() > before, () -> args + " did not reach the test server: " + r);
        }
        assertTrue(
                seen.containsAll(List.of(
                        "GET /v1/projects/app/branches/main/connection",
                        "GET /v1/projects/app/branches",
                        "POST /v1/projects/app/branches",
                        "GET /v1/projects",
                        "GET /v1/projects/app/branches/dev/diff",
                        "POST /v1/projects/app/branches/main/compute/start",
                        "POST /v1/projects/app/branches/main/compute/stop")),
                seen::toString);
    }

    @Test
    void ramifyDataDirAndTheDefaultDotRamifyAreFoundToo() throws Exception {
        Path dir = installation(tmp.resolve("by-env"), port());
        Cli.Result env = Cli.run(tmp, Map.of("RAMIFY_DATA_DIR", dir.toString()), List.of(), "connect", "main");
        assertEquals(0, env.code(), env::toString);
        assertTrue(env.out().startsWith("postgresql://"), env::toString);

        // Neither given: ./.ramify, where `ramify up` puts it when run from here.
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        installation(cwd.resolve(".ramify"), port());
        int before = seen.size();
        Cli.Result dflt = Cli.run(cwd, "connect", "main");
        assertEquals(0, dflt.code(), dflt::toString);
        assertEquals(before + 1, seen.size());

        // --data-dir is more specific than $RAMIFY_API, which names a port where nothing listens.
        Cli.Result both = Cli.run(
                tmp,
                Map.of("RAMIFY_API", "http://127.0.0.1:" + closedPort()),
                List.of(),
                "connect",
                "main",
                "--data-dir",
                dir.toString());
        assertEquals(0, both.code(), both::toString);
    }

    @Test
    void noInstallationIsOneLineWithWhatToDo() throws Exception {
        Cli.Result r = Cli.run(tmp, "branch", "list");
        assertEquals(1, r.code(), r::toString);
        assertEquals(
                List.of("error: no Ramify installation in " + tmp.toRealPath().resolve(".ramify") + " (no ramify"
                        + ".properties): start one with `ramify up`, or point at yours with --data-dir DIR or RAMIFY_DATA_DIR (or "
                        + "--api URL)"),
                r.errLines(),
                r::toString);
        assertEquals("", r.out());
        assertTrue(seen.isEmpty());
    }

    @Test
    void anInstallationThatIsDownSaysHowToStartIt() throws Exception {
        Path dir = installation(tmp.resolve("down"), closedPort());
        Cli.Result r = Cli.run(tmp, "connect", "main", "--data-dir", dir.toString());
        assertEquals(1, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("error: the Ramify API at http://127.0.0.1:"), r::toString);
        assertTrue(r.err().contains("Start it with `ramify up --data-dir " + dir + "`"), r::toString);
        assertFalse(r.err().contains("\tat "), r::toString);
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
