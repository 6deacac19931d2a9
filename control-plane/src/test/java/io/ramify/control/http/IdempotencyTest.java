package io.ramify.control.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The kept answers on a hand-driven clock: retention, the count bound, what is not kept. */
class IdempotencyTest {
    final AtomicLong now = new AtomicLong();
    final Idempotency answers = new Idempotency(now::get);
    final AtomicInteger runs = new AtomicInteger();

    Idempotency.Answer run(String key, int status) {
        return answers.answer(
                key,
                "POST /x -",
                () -> new Idempotency.Answer(status, new byte[] {(byte) runs.incrementAndGet()}, "application/json"));
    }

    @Test
    void anAnswerIsKeptForTheRetentionThenTheWorkRunsAgain() {
        Idempotency.Answer first = run("k", 201);
        now.addAndGet(Idempotency.RETENTION.toNanos());
        assertSame(first, run("k", 201));
        now.addAndGet(1);
        run("other", 201); // evicts what is older than the retention
        assertEquals(3, run("k", 201).body()[0], "after the retention the key is new again");
    }

    @Test
    void atMostAnswersMaxAreKeptOldestDroppedFirst() {
        for (int i = 0; i <= Idempotency.ANSWERS_MAX; i++) {
            run("k" + i, 200);
        }
        assertEquals(Idempotency.ANSWERS_MAX, answers.size());
        int ran = runs.get();
        run("k" + Idempotency.ANSWERS_MAX, 200);
        assertEquals(ran, runs.get(), "the newest is answered from memory");
        run("k0", 200);
        assertEquals(ran + 1, runs.get(), "the oldest was dropped and runs again");
    }

    @Test
    void answersThatSayRetryAreNotKept() {
        run("busy", 503);
        run("busy", 429);
        run("busy", 200);
        run("busy", 200);
        assertEquals(3, runs.get());
    }
}
