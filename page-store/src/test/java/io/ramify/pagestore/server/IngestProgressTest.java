package io.ramify.pagestore.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.TimelineId;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The hand-over between readers waiting for ingestion and a follower holding back its next pull. */
class IngestProgressTest {
    static final long LONG = TimeUnit.SECONDS.toNanos(20);

    @Test
    void aFollowerHoldsBackUntilItsDeadlineWhenNobodyWaits() throws Exception {
        IngestProgress p = new IngestProgress();
        TimelineId tl = TimelineId.random();
        p.seen(tl, 10, 10);
        long t0 = System.nanoTime();
        p.awaitBatch(tl, 10, t0 + TimeUnit.MILLISECONDS.toNanos(200));
        assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(200), "held back for its whole wait");
    }

    @Test
    void aReaderWaitingForMoreEndsTheHoldBackAndIsServedByWhatFollows() throws Exception {
        IngestProgress p = new IngestProgress();
        TimelineId tl = TimelineId.random();
        p.seen(tl, 10, 12);
        CompletableFuture<Long> follower = CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            try {
                p.awaitBatch(tl, 10, t0 + LONG);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            p.advanced(tl, 12, 12); // the pull it then makes
            return System.nanoTime() - t0;
        });
        Thread.sleep(100); // the follower is holding back
        IngestProgress.Entry e = p.await(tl, 12, System.nanoTime() + LONG);
        assertEquals(12, e.ingested());
        assertTrue(follower.get(5, TimeUnit.SECONDS) < LONG / 2, "the reader ended the hold-back");

        // Served: the next hold-back lasts its whole wait again.
        long t0 = System.nanoTime();
        p.awaitBatch(tl, 12, t0 + Duration.ofMillis(200).toNanos());
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(200).toNanos(), "the reader's mark is gone");
    }

    @Test
    void aReaderServedAlreadyDoesNotEndAHoldBack() throws Exception {
        IngestProgress p = new IngestProgress();
        TimelineId tl = TimelineId.random();
        p.seen(tl, 10, 10);
        assertEquals(10, p.await(tl, 8, System.nanoTime() + LONG).ingested());
        long t0 = System.nanoTime();
        p.awaitBatch(tl, 10, t0 + Duration.ofMillis(200).toNanos());
        assertTrue(System.nanoTime() - t0 >= Duration.ofMillis(200).toNanos(), "nobody waits beyond seq 10");
    }
}
