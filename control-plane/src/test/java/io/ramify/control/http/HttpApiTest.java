package io.ramify.control.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The API's HTTP server on a loopback port with handlers that block or count: stalled clients and
 * busy workers do not stop health, stalled clients are cut off at the request deadline, one
 * Idempotency-Key gets one answer, and JSON values of the wrong type are refused.
 */
class HttpApiTest {
    /** A short deadline keeps the test quick; the production one is ClientDeadlines.REQUEST_READ_MAX. */
    static final Duration READ_MAX = Duration.ofSeconds(2);

    final HttpClient http = HttpClient.newHttpClient();

    record Named(String name, Long size, Boolean flag) {}

    @Test
    void healthAnswersWithEveryWorkerBusyAndStalledClientsAreCutAtTheDeadline() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        Router r = new Router()
                .addUnqueued("GET", "/v1/health", req -> Map.of("healthy", true))
                .add("GET", "/slow", req -> {
                    started.incrementAndGet();
                    release.await(60, TimeUnit.SECONDS);
                    return Map.of("done", true);
                });
        MetricRegistry metrics = new MetricRegistry();
        try (HttpApi api = HttpApi.start("127.0.0.1", 0, r, metrics, READ_MAX)) {
            List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < Workers.AT_ONCE + 4; i++) {
                slow.add(http.sendAsync(get(api, "/slow"), HttpResponse.BodyHandlers.ofString()));
            }
            List<StalledClients.Stalled> stalled = StalledClients.stall(api.port(), 100);
            waitFor(() -> started.get() == Workers.AT_ONCE);
            Thread.sleep(300);
            assertEquals(Workers.AT_ONCE, started.get(), "only " + Workers.AT_ONCE + " requests are worked on at once");
            long t0 = System.nanoTime();
            HttpResponse<String> health = http.send(get(api, "/v1/health"), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(1).toNanos(), "health answered late");

            for (StalledClients.Stalled s : stalled) {
                StalledClients.assertClosedBy(s, READ_MAX);
            }
            // The count follows the close by a moment: the exchange's thread counts after it ended.
            waitFor(() -> metrics.counter("api.clients_cut").getCount() >= 100);
            assertEquals(100, metrics.counter("api.clients_cut").getCount());
            release.countDown();
            for (var f : slow) {
                assertEquals(200, f.get(30, TimeUnit.SECONDS).statusCode());
            }
        }
    }

    @Test
    void oneKeyGetsOneAnswerAndAnotherRequestWithItIsRefused() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        Router r = new Router()
                .add("POST", "/things", req -> {
                    Thread.sleep(300);
                    return new Router.Response(201, Map.of("run", runs.incrementAndGet(), "at", System.nanoTime()));
                })
                .add("POST", "/flaky", req -> {
                    if (failures.incrementAndGet() == 1) {
                        throw ApiException.unavailable("not yet", null);
                    }
                    return Map.of("ok", true);
                });
        try (HttpApi api = HttpApi.start("127.0.0.1", 0, r, new MetricRegistry(), READ_MAX)) {
            List<CompletableFuture<HttpResponse<byte[]>>> same = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                same.add(http.sendAsync(
                        post(api, "/things", "k1", "{\"a\":1}"), HttpResponse.BodyHandlers.ofByteArray()));
            }
            HttpResponse<byte[]> first = same.getFirst().get(30, TimeUnit.SECONDS);
            assertEquals(201, first.statusCode());
            for (var f : same) {
                HttpResponse<byte[]> resp = f.get(30, TimeUnit.SECONDS);
                assertEquals(201, resp.statusCode());
                assertArrayEquals(first.body(), resp.body(), "a concurrent duplicate gets the first answer");
            }
            HttpResponse<byte[]> retry =
                    http.send(post(api, "/things", "k1", "{\"a\":1}"), HttpResponse.BodyHandlers.ofByteArray());
            assertArrayEquals(first.body(), retry.body(), "a retry after the answer gets it again");
            assertEquals(1, runs.get(), "the work ran once");

            HttpResponse<String> other =
                    http.send(post(api, "/things", "k1", "{\"a\":2}"), HttpResponse.BodyHandlers.ofString());
            assertEquals(409, other.statusCode());
            assertTrue(
                    other.body().contains("REQUEST_ID_REUSED") && other.body().contains("k1"), other.body());
            assertEquals(
                    201,
                    http.send(post(api, "/things", "k2", "{\"a\":1}"), HttpResponse.BodyHandlers.ofString())
                            .statusCode());
            assertEquals(2, runs.get(), "another key is another operation");

            assertEquals(
                    503,
                    http.send(post(api, "/flaky", "k3", ""), HttpResponse.BodyHandlers.ofString())
                            .statusCode());
            assertEquals(
                    200,
                    http.send(post(api, "/flaky", "k3", ""), HttpResponse.BodyHandlers.ofString())
                            .statusCode(),
                    "a 503 is not kept: the retry runs again");
        }
    }

    @Test
    void valuesOfTheWrongJsonTypeAreRefusedNamingTheField() {
        assertEquals("field 'name' must be a string, not 123", refusal("{\"name\":123}"));
        assertEquals("field 'name' must be a string, not true", refusal("{\"name\":true}"));
        assertEquals("field 'size' must be an integer, not \"5\"", refusal("{\"size\":\"5\"}"));
        assertEquals("field 'size' must be an integer, not 1.5", refusal("{\"size\":1.5}"));
        assertEquals("field 'flag' must be true or false, not 1", refusal("{\"flag\":1}"));
        Named ok = request("{\"name\":\"dev\",\"size\":5,\"flag\":true}").body(Named.class);
        assertEquals(new Named("dev", 5L, true), ok);
    }

    private static String refusal(String json) {
        try {
            request(json).body(Named.class);
        } catch (ApiException e) {
            assertEquals(400, e.status());
            return e.getMessage();
        }
        throw new AssertionError(json + " was accepted");
    }

    private static Request request(String json) {
        return new Request("POST", "/x", Map.of(), Map.of(), json.getBytes(StandardCharsets.UTF_8), "id", HttpApi.JSON);
    }

    private static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 20 s");
            }
            Thread.sleep(20);
        }
    }

    private static HttpRequest get(HttpApi api, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    private static HttpRequest post(HttpApi api, String path, String key, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(60))
                .header(HttpApi.REQUEST_ID_HEADER, key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
