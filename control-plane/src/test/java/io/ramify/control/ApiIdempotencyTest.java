package io.ramify.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.common.TimelineId;
import io.ramify.control.http.HttpApi;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retries and concurrent requests on the whole system (issue 11, part 2): requests with one
 * Idempotency-Key, at once or one after another, get one status and one body for every changing
 * route (compute start and stop, create, reset, restore, delete), also after the control plane
 * restarted; different keys for one name get one 201 and 409s naming the branch; and ratis-wal
 * holds no timeline that the catalog does not know.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class ApiIdempotencyTest {
    static final String P = "/v1/projects/idem";
    final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    record Answer(int status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @Test
    void oneKeyOneAnswerAndNoTimelineWithoutABranch() throws Exception {
        try (Stack s = new Stack(dir)) {
            s.api.post("/v1/projects", new Views.CreateProject("idem", null), Views.ProjectCreated.class);
            // main runs, so branching at its head CHECKPOINTs it and the head moves between two attempts:
            // the case where a duplicate used to fork elsewhere and get 409 REQUEST_ID_REUSED.
            Map<String, Answer> first = new HashMap<>();
            first.put("start", samePair(s, "POST", P + "/branches/main/compute/start", "start", "", 200));

            List<CompletableFuture<Answer>> all = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                for (int twice = 0; twice < 2; twice++) {
                    all.add(send(s, "POST", P + "/branches", "create-" + i, "{\"name\":\"b" + i + "\"}"));
                }
            }
            for (int i = 0; i < 5; i++) {
                Answer a = all.get(2 * i).get(5, TimeUnit.MINUTES);
                Answer b = all.get(2 * i + 1).get(5, TimeUnit.MINUTES);
                assertEquals(201, a.status(), a.text());
                assertSame(a, b, "concurrent creates with key create-" + i);
                first.put("create-" + i, a);
            }

            List<CompletableFuture<Answer>> dup = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                dup.add(send(s, "POST", P + "/branches", "dup-" + i, "{\"name\":\"dup\"}"));
            }
            List<Answer> dupAnswers = new ArrayList<>();
            for (var f : dup) {
                dupAnswers.add(f.get(5, TimeUnit.MINUTES));
            }
            assertEquals(1, dupAnswers.stream().filter(a -> a.status() == 201).count(), dupAnswers.toString());
            for (Answer a : dupAnswers) {
                if (a.status() != 201) {
                    assertEquals(409, a.status(), a.text());
                    assertTrue(a.text().contains("ALREADY_EXISTS") && a.text().contains("named dup"), a.text());
                }
            }

            first.put("reset", samePair(s, "POST", P + "/branches/b0/reset", "reset", "", 200));
            first.put("stop", samePair(s, "POST", P + "/branches/main/compute/stop", "stop", "", 200));
            String lsn = s.api.get(P + "/branches/b1", Views.Branch.class).forkLsn();
            first.put(
                    "restore",
                    samePair(s, "POST", P + "/branches/main/restore", "restore", "{\"lsn\":\"" + lsn + "\"}", 200));
            first.put("delete", samePair(s, "DELETE", P + "/branches/b3", "delete", "", 200));

            // Repeated after the answer: the same status and body, for every route.
            for (String key : first.keySet()) {
                assertSame(first.get(key), repeat(s, key), "a retry of " + key);
            }

            Answer beyond = send(
                            s, "POST", P + "/branches", "beyond", "{\"name\":\"far\",\"lsn\":\"FFFFFFFF/FFFFFFFF\"}")
                    .get(1, TimeUnit.MINUTES);
            assertEquals(422, beyond.status(), beyond.text());
            assertTrue(
                    beyond.text().contains("LSN FFFFFFFF/FFFFFFFF is beyond branch main's durable WAL end"),
                    beyond.text());
            Answer number =
                    send(s, "POST", P + "/branches", "number", "{\"name\":123}").get(1, TimeUnit.MINUTES);
            assertEquals(400, number.status(), number.text());
            assertTrue(number.text().contains("field 'name' must be a string, not 123"), number.text());

            listingCost(s);

            // After a restart the answers come from the catalog's request log: the same again.
            s.restartControl();
            for (String key : List.of("create-0", "create-4", "reset", "restore", "delete")) {
                assertSame(first.get(key), repeat(s, key), "a retry of " + key + " after a restart");
            }
            assertNoTimelineWithoutABranch(s);
        }
    }

    /**
     * What a listing with sizes costs (issue 11 measured ~1.6 s a call under load): printed, not
     * asserted, as the machine's load decides it.
     */
    private void listingCost(Stack s) throws Exception {
        java.time.Instant before = java.time.Instant.now();
        Views.Branch single = s.api.get(P + "/branches/b1", Views.Branch.class);
        assertTrue(
                !java.time.Instant.parse(single.sizesAt()).isBefore(before.minusMillis(1)),
                "one branch is measured" + " afresh: " + single.sizesAt() + " before " + before);
        Views.Branch[] first = s.api.get(P + "/branches", Views.Branch[].class);
        int branches = first.length;
        long t0 = System.nanoTime();
        Views.Branch[] again = s.api.get(P + "/branches", Views.Branch[].class);
        long one = System.nanoTime() - t0;
        for (int i = 0; i < branches; i++) {
            java.time.Instant measured = java.time.Instant.parse(first[i].sizesAt());
            if (java.time.Duration.between(measured, java.time.Instant.now()).compareTo(Duration.ofSeconds(4)) < 0) {
                assertEquals(first[i].sizesAt(), again[i].sizesAt(), "a listing within 5 s reuses the sizes");
                assertEquals(first[i].logicalBytes(), again[i].logicalBytes());
            }
        }
        int parallel = 100;
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        t0 = System.nanoTime();
        for (int i = 0; i < parallel; i++) {
            calls.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create(s.api.base() + P + "/branches"))
                            .timeout(Duration.ofMinutes(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (var c : calls) {
            assertEquals(200, c.get(5, TimeUnit.MINUTES).statusCode());
        }
        long all = System.nanoTime() - t0;
        System.out.printf(
                "listing %d branches with sizes: %d ms alone (sizes reused); %d at once: %d ms in all (%d ms a call)%n",
                branches, one / 1_000_000, parallel, all / 1_000_000, all / 1_000_000 / parallel);
    }

    /** ratis-wal's timelines are exactly the catalog's (live ones and tombstones). */
    private static void assertNoTimelineWithoutABranch(Stack s) throws Exception {
        try (WalClient wal = WalClient.connect(s.wal, WalClientConfig.DEFAULT);
                CatalogClient catalog = CatalogClient.connect(s.wal, CatalogClientConfig.DEFAULT)) {
            Set<TimelineId> inWal = WalClient.await(wal.listTimelines()).stream()
                    .map(t -> TimelineId.fromBytes(t.getTimeline().toByteArray()))
                    .collect(Collectors.toSet());
            Set<TimelineId> inCatalog = catalog.listTimelines("idem").stream()
                    .map(io.ramify.catalog.client.CatalogModel.Timeline::id)
                    .collect(Collectors.toSet());
            Set<String> orphans = new TreeSet<>();
            inWal.stream().filter(t -> !inCatalog.contains(t)).forEach(t -> orphans.add(t.shortForm()));
            assertTrue(orphans.isEmpty(), "timelines in ratis-wal that no branch holds: " + orphans);
            assertEquals(inCatalog, inWal);
        }
    }

    private final Map<String, String[]> requests = new HashMap<>();

    /** Two requests with one key at once: one status (the expected one) and one body. */
    private Answer samePair(Stack s, String method, String path, String key, String body, int status) throws Exception {
        CompletableFuture<Answer> a = send(s, method, path, key, body);
        CompletableFuture<Answer> b = send(s, method, path, key, body);
        Answer x = a.get(5, TimeUnit.MINUTES);
        assertEquals(status, x.status(), x.text());
        assertSame(x, b.get(5, TimeUnit.MINUTES), "concurrent " + method + " " + path + " with key " + key);
        return x;
    }

    private Answer repeat(Stack s, String key) throws Exception {
        String[] r = requests.get(key);
        return send(s, r[0], r[1], key, r[2]).get(5, TimeUnit.MINUTES);
    }

    private CompletableFuture<Answer> send(Stack s, String method, String path, String key, String body) {
        requests.putIfAbsent(key, new String[] {method, path, body});
        HttpRequest req = HttpRequest.newBuilder(URI.create(s.api.base() + path))
                .timeout(Duration.ofMinutes(5))
                .header(HttpApi.REQUEST_ID_HEADER, key)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body.isEmpty()
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray())
                .thenApply(r -> new Answer(r.statusCode(), r.body()));
    }

    private static void assertSame(Answer expected, Answer actual, String what) {
        assertEquals(expected.status(), actual.status(), what + ": " + actual.text());
        assertArrayEquals(expected.body(), actual.body(), what + ": " + expected.text() + " vs " + actual.text());
    }
}
