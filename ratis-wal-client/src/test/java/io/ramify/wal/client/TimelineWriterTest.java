package io.ramify.wal.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.wal.proto.AppendResult;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.Rejection;
import io.ramify.wal.proto.TimelineStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TimelineWriter} against a fake log (the package-private constructor takes the append
 * function in place of {@link WalClient#append}), so that the test decides when each append
 * completes: seq order under concurrent submitters, back-pressure, durable waits, group commit and
 * failing for good. The same writer against a real 3-node ratis-wal is tested in ratis-wal's
 * {@code WalClusterTest} (concurrentSubmittersKeepSeqOrderUnderBackpressure,
 * concurrentDurableWaitsShareAppends).
 */
class TimelineWriterTest {
    /** The claim the writer starts from: seqs continue after 41, W never below 1000. */
    private static final TimelineStatus CLAIMED =
            TimelineStatus.newBuilder().setLastSeq(41).setMaxWalEnd(1000).build();

    private static final TimelineId TL = TimelineId.random();
    private static final Generation GEN = Generation.of(3);

    /** The client's callback thread: one thread, as in {@link WalClient}. */
    private final ExecutorService callbacks = Executors.newSingleThreadExecutor();

    private final List<Thread> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Thread t : started) {
            t.interrupt();
            t.join(10_000);
        }
        callbacks.shutdownNow();
    }

    /** Stands in for {@link WalClient#append}: records each batch; the test completes its future. */
    static final class FakeLog implements Function<OpBatch, CompletableFuture<AppendResult>> {
        record Sent(OpBatch batch, CompletableFuture<AppendResult> result) {}

        final List<Sent> sent = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public CompletableFuture<AppendResult> apply(OpBatch b) {
            CompletableFuture<AppendResult> f = new CompletableFuture<>();
            sent.add(new Sent(b, f));
            return f;
        }

        int count() {
            return sent.size();
        }

        OpBatch batch(int i) {
            return sent.get(i).batch();
        }

        void commit(int i) {
            OpBatch b = batch(i);
            sent.get(i)
                    .result()
                    .complete(AppendResult.newBuilder()
                            .setLastSeq(b.getFirstSeq() + b.getOpsCount() - 1)
                            .build());
        }

        void fail(int i, Throwable e) {
            sent.get(i).result().completeExceptionally(e);
        }
    }

    private static WalClientConfig config(int batchBytesTarget, long inFlightBytesMax) {
        return new WalClientConfig(
                Duration.ofSeconds(5),
                3,
                Duration.ofMillis(10),
                Duration.ofMillis(100),
                batchBytesTarget,
                inFlightBytesMax);
    }

    private TimelineWriter writer(Function<OpBatch, ? extends CompletableFuture<?>> log, WalClientConfig config) {
        return new TimelineWriter(log, config, callbacks, TL, GEN, CLAIMED);
    }

    /** A small op (well under the 1 KiB batch target). */
    private static Op small(String name, long w) {
        return Ops.file(FileEvent.Kind.CREATE, name, w);
    }

    /** An op that fills a 1 KiB batch on its own, so each submit sends one batch. */
    private static Op big(long lsn) {
        return Ops.wal(lsn, new byte[1100], lsn + 1100);
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(2);
        }
    }

    private Thread start(Runnable r) {
        Thread t = Thread.ofPlatform().daemon().start(r);
        started.add(t);
        return t;
    }

    /** Lets the callback thread run everything queued so far (completions of appends). */
    private void drainCallbacks() throws Exception {
        callbacks.submit(() -> {}).get(10, TimeUnit.SECONDS);
    }

    /**
     * Many threads submit at once while a committer completes appends in order after short random
     * pauses, with an in-flight limit of a few batches (so submitters also wait for room). Every
     * submit gets its own seq; together they are dense from the claim's last seq + 1; each thread
     * sees its seqs rise; the batches sent start where the previous ended (no gap, no duplicate),
     * carry the timeline and generation, and hold at each seq the very op whose submit returned it.
     * (W is not checked here: under back-pressure it can go back, see
     * {@link #wNeverGoesBackWhenASubmitWaitsForRoom}.)
     *
     * <p>Negative controls: in {@code sendLocked}, taking the batch out before waiting for in-flight
     * room (the hazard the comment there names) failed with "batch after seq 220 starts at 350";
     * letting {@code submit} skip a seq now and then ({@code nextSeq++ + (nextSeq % 1000 == 0 ? 1 :
     * 0)}) failed too.
     */
    @Test
    void concurrentSubmittersGetDenseSeqsAndBatchesCoverEachSeqOnceInOrder() throws Exception {
        int threads = 8;
        int perThread = 1500;
        FakeLog log = new FakeLog();
        LinkedBlockingQueue<Integer> toCommit = new LinkedBlockingQueue<>();
        // Completes appends in the order they were sent, like the log does, after 0..1 ms.
        Function<OpBatch, CompletableFuture<AppendResult>> autoCommitting = b -> {
            CompletableFuture<AppendResult> f = log.apply(b);
            toCommit.add(log.count() - 1);
            return f;
        };
        start(() -> {
            Random rnd = new Random(1);
            try {
                while (true) {
                    int i = toCommit.take();
                    if (rnd.nextBoolean()) {
                        Thread.sleep(0, rnd.nextInt(1_000_000));
                    }
                    log.commit(i);
                }
            } catch (InterruptedException e) {
                // test over
            }
        });
        TimelineWriter w = writer(autoCommitting, config(1024, 4096));

        ConcurrentHashMap<Long, String> opAtSeq = new ConcurrentHashMap<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            submitters.add(start(() -> {
                try {
                    go.await();
                    long previous = 0;
                    for (int i = 0; i < perThread; i++) {
                        String name = "t" + id + "/op" + i;
                        long seq = w.submit(small(name, 1000 + i)); // W rises per thread, not across threads
                        if (seq <= previous) {
                            throw new AssertionError(name + " got seq " + seq + " after " + previous);
                        }
                        previous = seq;
                        if (opAtSeq.put(seq, name) != null) {
                            throw new AssertionError("seq " + seq + " returned twice");
                        }
                        if (i % 97 == 0) {
                            w.durable(seq).get(30, TimeUnit.SECONDS); // now and then an fsync
                        }
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
        }
        go.countDown();
        for (Thread t : submitters) {
            t.join(120_000);
        }
        assertNull(failed.get());
        long total = (long) threads * perThread;
        long last = CLAIMED.getLastSeq() + total;
        assertEquals(last, w.flush().get(30, TimeUnit.SECONDS));
        assertEquals(last, w.durableSeq());

        // Seqs: exactly 42..last, each once.
        assertEquals(total, opAtSeq.size());
        for (long s = CLAIMED.getLastSeq() + 1; s <= last; s++) {
            assertTrue(opAtSeq.containsKey(s), "no submit returned seq " + s);
        }
        // Batches: contiguous, in send order, each op at the seq its submit returned.
        long next = CLAIMED.getLastSeq() + 1;
        List<FakeLog.Sent> sent = List.copyOf(log.sent);
        assertTrue(sent.size() > 50, "expected many batches, got " + sent.size());
        for (FakeLog.Sent s : sent) {
            OpBatch b = s.batch();
            assertEquals(next, b.getFirstSeq(), "batch after seq " + (next - 1) + " starts at " + b.getFirstSeq());
            assertEquals(GEN.value(), b.getGeneration());
            assertEquals(TL, TimelineId.fromBytes(b.getTimeline().toByteArray()));
            assertTrue(b.getOpsCount() > 0);
            for (Op op : b.getOpsList()) {
                assertEquals(opAtSeq.get(next), op.getFile().getPath(), "op at seq " + next);
                next++;
            }
        }
        assertEquals(last + 1, next);
    }

    /**
     * With room for two batches in flight, a third submit waits until an append completes, then
     * sends. Negative control: making the wait loop in {@code sendLocked} never wait ({@code while
     * (false && ...)}) let the third submit return at once, and the test failed.
     */
    @Test
    void submitWaitsForInFlightRoomAndResumesWhenAnAppendCompletes() throws Exception {
        FakeLog log = new FakeLog();
        long opBytes = big(0).getSerializedSize() + 8; // the writer counts 8 bytes per op besides
        TimelineWriter w = writer(log, config(1024, 2 * opBytes + opBytes / 2));

        assertEquals(42, w.submit(big(10_000)));
        assertEquals(43, w.submit(big(20_000)));
        assertEquals(2, log.count(), "each op fills a batch and is sent at once");

        CompletableFuture<Long> third = new CompletableFuture<>();
        Thread t = start(() -> {
            try {
                third.complete(w.submit(big(30_000)));
            } catch (Throwable e) {
                third.completeExceptionally(e);
            }
        });
        await(() -> t.getState() == Thread.State.TIMED_WAITING, "the third submit waits");
        Thread.sleep(100);
        assertFalse(third.isDone(), "submit returned although two batches fill the in-flight limit");
        assertEquals(2, log.count());

        log.commit(0); // appends complete in send order (WalClient's single callback thread)
        assertEquals(44, third.get(10, TimeUnit.SECONDS));
        assertEquals(3, log.count());
        assertEquals(44, log.batch(2).getFirstSeq());
        assertEquals(42, w.durableSeq());
    }

    /**
     * A durable() waiter completes once an append covering its seq is committed, not before, and
     * with the durable seq. Negative control: completing every waiter in {@code completed} (dropping
     * the {@code w.seq() <= durableSeq} test) made the wait for 43 complete after 42's commit, and
     * the test fail.
     */
    @Test
    void durableCompletesOnlyWhenItsSeqIsCommitted() throws Exception {
        FakeLog log = new FakeLog();
        TimelineWriter w = writer(log, config(1024, 1 << 20));
        assertEquals(CLAIMED.getLastSeq(), w.durable(41).get(), "seqs of the claim are durable already");

        assertEquals(42, w.submit(big(10_000)));
        assertEquals(43, w.submit(big(20_000)));
        CompletableFuture<Long> d42 = w.durable(42);
        CompletableFuture<Long> d43 = w.durable(43);
        drainCallbacks();
        assertFalse(d42.isDone());
        assertFalse(d43.isDone());

        log.commit(0);
        assertEquals(42, d42.get(10, TimeUnit.SECONDS));
        drainCallbacks();
        assertEquals(42, w.durableSeq());
        assertFalse(d43.isDone(), "43 is in an append not committed yet");

        log.commit(1);
        assertEquals(43, d43.get(10, TimeUnit.SECONDS));
        assertEquals(43, w.durable(42).get(), "an old seq answers with the durable seq at once");
    }

    /**
     * Group commit: waits that come while an append is in flight do not send; when it completes,
     * everything buffered goes as one batch. Negative control: in {@code durable}, sending at once
     * even with an append in flight (instead of {@code sendWhenIdle = true}) sent 3 batches instead of
     * 2, and the test failed; removing the send at the end of {@code completed} left seqs 43..45
     * unsent and the waits timed out.
     */
    @Test
    void waitsDuringAnAppendShareTheNextBatch() throws Exception {
        FakeLog log = new FakeLog();
        TimelineWriter w = writer(log, config(1024, 1 << 20));

        assertEquals(42, w.submit(small("a", 0)));
        CompletableFuture<Long> d42 = w.durable(42);
        assertEquals(1, log.count(), "a wait with nothing in flight sends at once");
        assertEquals(1, log.batch(0).getOpsCount());

        assertEquals(43, w.submit(small("b", 0)));
        CompletableFuture<Long> d43 = w.durable(43);
        assertEquals(44, w.submit(small("c", 0)));
        assertEquals(45, w.submit(small("d", 0)));
        CompletableFuture<Long> d45 = w.durable(45);
        assertEquals(1, log.count(), "waits during an append must not send their own batches");

        log.commit(0);
        assertEquals(42, d42.get(10, TimeUnit.SECONDS));
        await(() -> log.count() == 2, "the buffered ops are sent when the append completes");
        OpBatch second = log.batch(1);
        assertEquals(43, second.getFirstSeq());
        assertEquals(
                List.of("b", "c", "d"),
                second.getOpsList().stream().map(o -> o.getFile().getPath()).toList());
        assertFalse(d43.isDone());

        log.commit(1);
        assertEquals(45, d43.get(10, TimeUnit.SECONDS));
        assertEquals(45, d45.get(10, TimeUnit.SECONDS));
        drainCallbacks();
        assertEquals(2, log.count());
    }

    /**
     * The first failed append fails every pending wait (sent or only buffered) and every later call
     * with that same exception, and nothing more is sent. Negative control: in {@code completed},
     * returning on an error without calling {@code fail} left the waits pending (timeout) and later
     * submits accepted, and the test failed.
     */
    @Test
    void theFirstFailureFailsPendingAndLaterCallsForGood() throws Exception {
        FakeLog log = new FakeLog();
        TimelineWriter w = writer(log, config(1024, 1 << 20));
        w.submit(small("a", 0));
        CompletableFuture<Long> d42 = w.durable(42); // sent
        w.submit(small("b", 0));
        CompletableFuture<Long> d43 = w.durable(43); // buffered behind the append in flight

        WalRejectedException fenced = new WalRejectedException(Rejection.newBuilder()
                .setCode(Rejection.Code.STALE_GENERATION)
                .setMessage("generation 4 claimed")
                .build());
        log.fail(0, new java.util.concurrent.CompletionException(fenced));

        ExecutionException e42 = assertThrows(ExecutionException.class, () -> d42.get(10, TimeUnit.SECONDS));
        assertSame(fenced, e42.getCause(), "the refusal itself, unwrapped");
        ExecutionException e43 = assertThrows(ExecutionException.class, () -> d43.get(10, TimeUnit.SECONDS));
        assertSame(fenced, e43.getCause());
        assertSame(fenced, w.failure().orElseThrow());

        assertSame(fenced, assertThrows(WalRejectedException.class, () -> w.submit(small("c", 0))));
        assertSame(fenced, assertThrows(WalRejectedException.class, () -> w.submitAtomically(List.of(small("d", 0)))));
        ExecutionException later =
                assertThrows(ExecutionException.class, () -> w.durable(43).get(10, TimeUnit.SECONDS));
        assertSame(fenced, later.getCause());
        assertThrows(ExecutionException.class, () -> w.flush().get(10, TimeUnit.SECONDS));
        assertThrows(
                ExecutionException.class,
                () -> w.durable(41).get(10, TimeUnit.SECONDS),
                "even a seq that was durable before: the writer is failed");
        drainCallbacks();
        assertEquals(1, log.count(), "nothing is sent after the failure");
        assertEquals(CLAIMED.getLastSeq(), w.durableSeq());
    }

    /**
     * A failure that is not a RuntimeException (e.g. an I/O error) reaches callers as a {@link
     * WalUnavailableException} with it as the cause; a submit waiting for room fails with it too.
     * Negative control: wrapping it in a plain RuntimeException in {@code completed} failed the
     * cast below.
     */
    @Test
    void aCheckedFailureBecomesUnavailableAndReleasesAWaitingSubmit() throws Exception {
        FakeLog log = new FakeLog();
        long opBytes = big(0).getSerializedSize() + 8;
        TimelineWriter w = writer(log, config(1024, opBytes + opBytes / 2));
        w.submit(big(10_000)); // in flight; the next batch has no room
        CompletableFuture<Long> blocked = new CompletableFuture<>();
        Thread t = start(() -> {
            try {
                blocked.complete(w.submit(big(20_000)));
            } catch (Throwable e) {
                blocked.completeExceptionally(e);
            }
        });
        await(() -> t.getState() == Thread.State.TIMED_WAITING, "the second submit waits");

        java.io.IOException io = new java.io.IOException("connection reset");
        log.fail(0, io);
        ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(10, TimeUnit.SECONDS));
        WalUnavailableException u = (WalUnavailableException) e.getCause();
        assertSame(io, u.getCause());
        assertSame(u, w.failure().orElseThrow());
        assertEquals(1, log.count());
    }

    /**
     * Rule 4 (W never goes back) when a submit waits for in-flight room before its op joins the
     * batch: another thread's op with a higher W may take the earlier seq meanwhile. Thread A submits
     * an op with W 15000 that does not fit the buffered batch, whose send waits for room; thread B
     * then submits W 16000, which fits and gets seq 44; when room comes, A's op gets seq 45 with W
     * 15000, below seq 44's. The log refuses such a batch (W_REGRESSION), failing the writer for good.
     *
     * <p>Found by this test: {@code submit} clamped W before {@code sendLocked} could release the
     * lock, and assigned the seq after; it failed (seq 45 with W 15000 after seq 44 with W 16000)
     * until {@code submit} clamped again after waiting.
     */
    @Test
    void wNeverGoesBackWhenASubmitWaitsForRoom() throws Exception {
        assertWNeverGoesBackWhileWaiting(w -> w.submit(medium(15_000)));
    }

    /**
     * The same for {@link TimelineWriter#submitAtomically}, which in addition sets the writer's
     * highest W back to its group's after the wait, so every later op is clamped too low as well.
     * It failed as {@link #wNeverGoesBackWhenASubmitWaitsForRoom} did, until the group was clamped
     * again after the wait.
     */
    @Test
    void wNeverGoesBackWhenAnAtomicGroupWaitsForRoom() throws Exception {
        assertWNeverGoesBackWhileWaiting(w -> w.submitAtomically(List.of(medium(15_000))));
    }

    /** An op of about 1000 bytes: alone it stays under the 1 KiB target; with anything else, not. */
    private static Op medium(long w) {
        return Ops.wal(w - 990, new byte[990], w);
    }

    private void assertWNeverGoesBackWhileWaiting(java.util.function.ToLongFunction<TimelineWriter> submitA)
            throws Exception {
        FakeLog log = new FakeLog();
        long bigBytes = big(0).getSerializedSize() + 8;
        TimelineWriter w = writer(log, config(1024, bigBytes)); // room for one big batch in flight
        assertEquals(42, w.submit(big(10_000))); // sent: in flight, the limit reached
        assertEquals(43, w.submit(small("s1", 12_000))); // buffered
        CompletableFuture<Long> a = new CompletableFuture<>();
        Thread ta = start(() -> {
            try {
                a.complete(submitA.applyAsLong(w));
            } catch (Throwable e) {
                a.completeExceptionally(e);
            }
        });
        await(() -> ta.getState() == Thread.State.TIMED_WAITING, "A waits for room to send the buffered batch");
        assertEquals(44, w.submit(small("b", 16_000)), "B's op fits the buffered batch and takes the next seq");

        log.commit(0);
        assertEquals(45, a.get(10, TimeUnit.SECONDS));
        w.flush();
        await(() -> log.count() >= 2, "the buffered batch is sent");
        log.commit(1);
        await(() -> log.count() >= 3, "A's op is sent");
        List<Op> ops = new ArrayList<>();
        log.sent.forEach(x -> ops.addAll(x.batch().getOpsList()));
        assertEquals(4, ops.size());
        for (int i = 1; i < ops.size(); i++) {
            long seq = CLAIMED.getLastSeq() + 1 + i;
            assertTrue(
                    ops.get(i).getWalEnd() >= ops.get(i - 1).getWalEnd(),
                    "W goes back at seq " + seq + ": " + ops.get(i - 1).getWalEnd() + " then "
                            + ops.get(i).getWalEnd());
        }
    }
}
