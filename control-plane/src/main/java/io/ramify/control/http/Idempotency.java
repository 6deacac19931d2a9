package io.ramify.control.http;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The answers of changing requests by their {@code Idempotency-Key}: a request whose key is being
 * worked on waits for that work and gets its answer, byte for byte; one whose key was answered
 * gets the same answer again. A key sent with a different request (another route or body) is
 * refused with 409 {@code REQUEST_ID_REUSED}.
 *
 * <p>Kept in memory, so bounded: {@link #ANSWERS_MAX} answers for {@link #RETENTION}. Beyond that,
 * and after a restart, a retry runs the operation again, and the operation recognises its key in
 * the catalog's request log (see {@code ControlPlane}). Answers 5xx and 429 are not kept: they say
 * "retry", and a retry must then run again.
 */
final class Idempotency {
    /** Answers kept: a few MiB of JSON; CI retries come within minutes, not after thousands of calls. */
    static final int ANSWERS_MAX = 10_000;
    /** How long an answer is kept; retries after a client's backoff come well within it. */
    static final Duration RETENTION = Duration.ofHours(1);
    /**
     * How long a duplicate waits for the first request's answer: longer than an operation's own
     * bounds (a CHECKPOINT 30 s, shard discovery 60 s, a compute start), so it sees the answer.
     */
    static final Duration DUPLICATE_WAIT_MAX = Duration.ofMinutes(5);

    /** What the client receives. */
    record Answer(int status, byte[] body, String contentType) {}

    /** {@code doneAtNanos} is {@link Long#MIN_VALUE} while the first request runs. */
    private record Entry(String request, CompletableFuture<Answer> answer, long doneAtNanos) {
        boolean done() {
            return doneAtNanos != Long.MIN_VALUE;
        }
    }

    private final LongSupplier nanoClock;
    /** In the order answered (running ones in the order started); guarded by {@code this}. */
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    Idempotency(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /**
     * The answer to {@code request} (method, path and a digest of the body) under {@code key}: from
     * {@code work} if the key is new, else the first request's.
     */
    Answer answer(String key, String request, Supplier<Answer> work) {
        CompletableFuture<Answer> mine = new CompletableFuture<>();
        Entry earlier;
        synchronized (this) {
            evict();
            earlier = entries.putIfAbsent(key, new Entry(request, mine, Long.MIN_VALUE));
        }
        if (earlier != null) {
            return earlier.request().equals(request) ? await(key, earlier.answer()) : reused(key, earlier.request());
        }
        Answer a;
        try {
            a = work.get();
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            forget(key);
            throw e;
        }
        mine.complete(a);
        synchronized (this) {
            entries.remove(key);
            if (a.status() < 500 && a.status() != 429) {
                entries.put(key, new Entry(request, mine, nanoClock.getAsLong()));
                evict();
            }
        }
        return a;
    }

    synchronized int size() {
        return entries.size();
    }

    private synchronized void forget(String key) {
        entries.remove(key);
    }

    /** Drops answers beyond the count or older than the retention, oldest first; running ones stay. */
    private void evict() {
        long now = nanoClock.getAsLong();
        int excess = entries.size() - ANSWERS_MAX;
        for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Entry e = it.next().getValue();
            if (!e.done()) {
                continue;
            }
            if (excess > 0 || now - e.doneAtNanos() > RETENTION.toNanos()) {
                it.remove();
                excess--;
            } else {
                return;
            }
        }
    }

    private static Answer await(String key, CompletableFuture<Answer> first) {
        try {
            return first.get(DUPLICATE_WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return error(
                    503,
                    "UNAVAILABLE",
                    "the first request with Idempotency-Key " + key + " is still running after "
                            + DUPLICATE_WAIT_MAX.toMinutes() + " min; retry later with the same key");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(
                    503, "UNAVAILABLE", "interrupted while waiting for the first request with Idempotency-Key " + key);
        } catch (ExecutionException e) {
            return error(
                    500,
                    "INTERNAL",
                    "the first request with Idempotency-Key " + key + " failed: " + e.getCause()
                            + "; the server log has details");
        }
    }

    private static Answer reused(String key, String first) {
        return error(
                409,
                "REQUEST_ID_REUSED",
                "Idempotency-Key " + key + " was used for another request ("
                        + first.substring(0, first.lastIndexOf(' ')) + " with "
                        + (first.endsWith(" -") ? "no body" : "a body")
                        + "); use a new key for every operation and the same key only to retry it unchanged");
    }

    static Answer error(int status, String code, String message) {
        try {
            return new Answer(
                    status, HttpApi.JSON.writeValueAsBytes(new ApiException.Body(code, message)), "application/json");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("an error body does not serialize", e);
        }
    }

    /** {@code METHOD path digest}: what must match for a key's second request to get its answer. */
    static String describe(String method, String path, byte[] body) {
        if (body.length == 0) {
            return method + " " + path + " -";
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(body);
            return method + " " + path + " " + java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
