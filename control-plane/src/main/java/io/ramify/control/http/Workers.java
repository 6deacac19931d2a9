package io.ramify.control.http;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many requests the API works on at once, and how many wait for their turn. Exchanges run on
 * virtual threads ({@link ClientDeadlines}), so this, not a thread pool, is what keeps a burst
 * from starting hundreds of branch operations against Raft and Postgres at once. Cheap routes
 * (health, metrics, the OpenAPI document) do not take a turn, so they answer while every worker is
 * busy.
 */
final class Workers {
    /** Requests worked on at once; branch and compute operations wait on Raft and Postgres, so a few. */
    static final int AT_ONCE = 16;
    /** Requests waiting for a turn before the API answers 503. */
    static final int WAITING_MAX = 256;
    /**
     * How long a request waits for a turn before it is answered 503: a client's own timeout is
     * usually about a minute, and an answer it can act on (retry later) beats a dropped connection.
     */
    static final Duration WAIT_MAX = Duration.ofSeconds(60);

    /** A turn; closing it lets the next request in. */
    interface Turn extends AutoCloseable {
        @Override
        void close();
    }

    private final Semaphore turns = new Semaphore(AT_ONCE, true);
    private final AtomicInteger waiting = new AtomicInteger();

    Turn take() {
        if (waiting.incrementAndGet() > WAITING_MAX) {
            waiting.decrementAndGet();
            throw busy(WAITING_MAX + " requests are already waiting");
        }
        try {
            if (!turns.tryAcquire(WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS)) {
                throw busy("no worker was free within " + WAIT_MAX.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw busy("interrupted while waiting for a worker");
        } finally {
            waiting.decrementAndGet();
        }
        return turns::release;
    }

    private static ApiException busy(String why) {
        return new ApiException(
                503,
                "UNAVAILABLE",
                "the API is busy (" + AT_ONCE + " requests running; " + why
                        + "); retry later with the same Idempotency-Key",
                null);
    }
}
