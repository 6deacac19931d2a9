package io.ramify.wal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ReadWaitsTest {
    private static final ByteString A = ByteString.copyFromUtf8("a");
    private static final ByteString B = ByteString.copyFromUtf8("b");

    @Test
    void anAppendWakesOnlyItsTimelinesReaders() {
        ReadWaits w = new ReadWaits();
        CompletableFuture<Void> a = w.register(A, 60_000);
        CompletableFuture<Void> b = w.register(B, 60_000);
        assertEquals(2, w.waiting());
        w.wake(A);
        assertTrue(a.isDone());
        assertFalse(b.isDone());
        assertEquals(1, w.waiting());
        w.wakeAll();
        assertTrue(b.isDone());
        assertEquals(0, w.waiting());
    }

    @Test
    void aWaitRunsOutAndUnregisters() throws Exception {
        ReadWaits w = new ReadWaits();
        CompletableFuture<Void> a = w.register(A, 50);
        a.get(10, TimeUnit.SECONDS);
        assertEquals(0, w.waiting());
    }

    @Test
    void beyondTheLimitReadsAreAnsweredAtOnce() {
        ReadWaits w = new ReadWaits();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (int i = 0; i < ReadWaits.WAITING_MAX; i++) {
            all.add(assertNotNullAndGet(w.register(A, 60_000)));
        }
        assertNull(w.register(B, 60_000), "over the limit");
        all.getFirst().complete(null);
        assertNotNull(w.register(B, 60_000), "room again once one left");
        w.wakeAll();
    }

    private static CompletableFuture<Void> assertNotNullAndGet(CompletableFuture<Void> f) {
        assertNotNull(f);
        return f;
    }
}
