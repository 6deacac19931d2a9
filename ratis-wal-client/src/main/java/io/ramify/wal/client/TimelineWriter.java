package io.ramify.wal.client;

import com.google.protobuf.ByteString;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.TimelineStatus;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Turns a compute's stream of ops into batches for one timeline and generation. Each op gets the
 * next seq and a W clamped to the highest W so far (rule 4). Batches are sent once they reach the
 * configured size or when someone waits for durability ({@link #durable}, the fsync path). A wait
 * that comes while an append is in flight does not send at once: the buffered ops go as one batch
 * when that append completes, so concurrent fsyncs share one Raft entry (group commit) instead of
 * costing one entry, and an fsync on every node, each. At most
 * {@code inFlightBytesMax} bytes are sent and not yet committed, beyond which {@link #submit}
 * waits. The first failure (a refusal, e.g. a newer generation fenced this writer, or an
 * unreachable cluster) fails every pending and later call: the compute must stop.
 */
public final class TimelineWriter {
    /** How long submit waits for in-flight room before it gives up. */
    static final long BACKPRESSURE_WAIT_MAX_MILLIS = 60_000;
    /** Most ops {@link #submitAtomically} takes in one group (well inside a batch's limit). */
    public static final int ATOMIC_OPS_MAX = WalLimits.BATCH_OPS_MAX / 2;
    /** Most encoded bytes of one atomic group: with a batch's target below half the limit, it fits. */
    public static final long ATOMIC_BYTES_MAX = WalLimits.BATCH_BYTES_MAX / 2;

    /** {@link WalClient#append}, its config and its callback executor (a seam for unit tests). */
    private final Function<OpBatch, ? extends CompletableFuture<?>> append;

    private final WalClientConfig config;
    private final Executor callbacks;
    private final TimelineId timeline;
    private final Generation generation;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final List<Waiter> waiters = new ArrayList<>();
    private List<Op> batch = new ArrayList<>();
    private long batchBytes;
    private long batchFirstSeq;
    private long nextSeq;
    private long maxW;
    private long durableSeq;
    private long inFlightBytes;
    /** Appends sent and not completed yet. */
    private int inFlightBatches;
    /** Someone waits for ops still in {@link #batch}: send it when the in-flight appends complete. */
    private boolean sendWhenIdle;

    private RuntimeException failure;

    private record Waiter(long seq, CompletableFuture<Long> future) {}

    TimelineWriter(WalClient client, TimelineId timeline, Generation generation, TimelineStatus claimed) {
        this(client::append, client.config(), client.callbacks(), timeline, generation, claimed);
    }

    /**
     * For unit tests: {@code append} stands in for {@link WalClient#append} and completions run on
     * {@code callbacks} (the client's single callback thread in production).
     */
    TimelineWriter(
            Function<OpBatch, ? extends CompletableFuture<?>> append,
            WalClientConfig config,
            Executor callbacks,
            TimelineId timeline,
            Generation generation,
            TimelineStatus claimed) {
        this.append = append;
        this.config = config;
        this.callbacks = callbacks;
        this.timeline = timeline;
        this.generation = generation;
        this.nextSeq = claimed.getLastSeq() + 1;
        this.batchFirstSeq = nextSeq;
        this.durableSeq = claimed.getLastSeq();
        this.maxW = claimed.getMaxWalEnd();
    }

    /** Adds an op; returns its seq. Throws the writer's failure if it has failed. */
    public long submit(Op op) {
        lock.lock();
        try {
            checkNotFailed();
            makeRoom(1, op.getSerializedSize() + 8);
            Op clamped = Ops.clampW(op, maxW); // after makeRoom: see there
            maxW = clamped.getWalEnd();
            batch.add(clamped);
            batchBytes += clamped.getSerializedSize() + 8;
            long seq = nextSeq++;
            if (batchBytes >= config.batchBytesTarget()) {
                sendLocked();
            }
            return seq;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds ops that must reach the log together: they go into one batch, hence one Raft entry, which
     * the log applies whole or not at all, so no crash shows some of them without the others. Give
     * them one W (the caller's WAL end when it made them): a fork cut takes every op below some W or
     * none, so no cut splits them either. Used for a directory rename, which the page store knows
     * only as file ops. Returns the seq of the last op. At most {@link #ATOMIC_OPS_MAX} ops and
     * {@link #ATOMIC_BYTES_MAX} bytes (a programmer error beyond, so the caller bounds its group).
     */
    public long submitAtomically(List<Op> ops) {
        if (ops.isEmpty() || ops.size() > ATOMIC_OPS_MAX) {
            throw new IllegalArgumentException(ops.size() + " ops in one atomic group; allowed 1.." + ATOMIC_OPS_MAX);
        }
        lock.lock();
        try {
            checkNotFailed();
            long estimate = 0;
            for (Op op : ops) {
                estimate += op.getSerializedSize() + 8;
            }
            makeRoom(ops.size(), estimate); // the group starts a batch of its own rather than be split
            List<Op> clamped = new ArrayList<>(ops.size());
            long w = maxW; // after makeRoom: see there
            long size = 0;
            for (Op op : ops) {
                Op c = Ops.clampW(op, w);
                w = c.getWalEnd();
                size += c.getSerializedSize() + 8;
                clamped.add(c);
            }
            if (size > ATOMIC_BYTES_MAX) {
                throw new IllegalArgumentException("an atomic group of " + ops.size() + " ops is " + size
                        + " bytes; the most is " + ATOMIC_BYTES_MAX);
            }
            batchBytes += size;
            maxW = w;
            batch.addAll(clamped);
            nextSeq += clamped.size();
            sendLocked(); // whole, now: nothing later joins this batch and so nothing can split it
            return nextSeq - 1;
        } finally {
            lock.unlock();
        }
    }

    /** Completes (with the durable seq) once every op up to {@code seq} is committed by a majority. */
    public CompletableFuture<Long> durable(long seq) {
        lock.lock();
        try {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            if (seq <= durableSeq) {
                return CompletableFuture.completedFuture(durableSeq);
            }
            if (seq >= batchFirstSeq && !batch.isEmpty()) {
                if (inFlightBatches == 0) {
                    sendLocked();
                } else {
                    sendWhenIdle = true;
                }
            }
            CompletableFuture<Long> f = new CompletableFuture<>();
            waiters.add(new Waiter(seq, f));
            return f;
        } finally {
            lock.unlock();
        }
    }

    /** Sends what is buffered and completes once everything submitted so far is durable. */
    public CompletableFuture<Long> flush() {
        return durable(lastSubmittedSeq());
    }

    public long lastSubmittedSeq() {
        lock.lock();
        try {
            return nextSeq - 1;
        } finally {
            lock.unlock();
        }
    }

    public long durableSeq() {
        lock.lock();
        try {
            return durableSeq;
        } finally {
            lock.unlock();
        }
    }

    public TimelineId timeline() {
        return timeline;
    }

    /**
     * Sends the buffered batch first if {@code ops} more ops of about {@code bytes} would not fit in
     * it. Sending may wait for in-flight room with the lock released, and ops of other threads with
     * a higher W may take the next seqs meanwhile: so callers clamp W only after this returns, or an
     * op's W could go back (rule 4).
     */
    private void makeRoom(int ops, long bytes) {
        if (!batch.isEmpty()
                && (batchBytes + bytes > config.batchBytesTarget() || batch.size() + ops > WalLimits.BATCH_OPS_MAX)) {
            sendLocked();
        }
    }

    private void sendLocked() {
        // Wait for in-flight room before taking the batch out: the lock is released while waiting,
        // and a batch taken earlier could then be sent after a later one (a seq gap). Others that
        // come meanwhile wait here too; whoever wakes first sends everything buffered.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BACKPRESSURE_WAIT_MAX_MILLIS);
        while (!batch.isEmpty()
                && inFlightBytes > 0
                && inFlightBytes + batchBytes > config.inFlightBytesMax()
                && failure == null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                fail(new WalUnavailableException(
                        "timeline " + timeline.shortForm() + ": " + inFlightBytes + " bytes not committed after "
                                + BACKPRESSURE_WAIT_MAX_MILLIS + " ms",
                        null));
                break;
            }
            try {
                room.awaitNanos(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(new WalUnavailableException("interrupted waiting for in-flight room", e));
            }
        }
        checkNotFailed();
        if (batch.isEmpty()) {
            return; // sent by another thread while this one waited
        }
        OpBatch b = OpBatch.newBuilder()
                .setTimeline(ByteString.copyFrom(timeline.toBytes()))
                .setGeneration(generation.value())
                .setFirstSeq(batchFirstSeq)
                .addAllOps(batch)
                .build();
        long bytes = batchBytes;
        long last = batchFirstSeq + batch.size() - 1;
        batch = new ArrayList<>();
        batchBytes = 0;
        batchFirstSeq = last + 1;
        inFlightBytes += bytes;
        inFlightBatches++;
        sendWhenIdle = false;
        // Completions run on the client's callback thread: Ratis completes futures while holding its
        // own locks, and this writer's lock must never be taken under them.
        append.apply(b).whenCompleteAsync((r, err) -> completed(last, bytes, err), callbacks);
    }

    private void completed(long last, long bytes, Throwable err) {
        lock.lock();
        try {
            inFlightBytes -= bytes;
            inFlightBatches--;
            room.signalAll();
            if (err != null) {
                Throwable c = err;
                while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
                    c = c.getCause();
                }
                fail(c instanceof RuntimeException re ? re : new WalUnavailableException(c.toString(), c));
                return;
            }
            durableSeq = Math.max(durableSeq, last);
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.seq() <= durableSeq) {
                    it.remove();
                    w.future().complete(durableSeq);
                }
            }
            if (sendWhenIdle && inFlightBatches == 0 && !batch.isEmpty()) {
                sendLocked();
            }
        } finally {
            lock.unlock();
        }
    }

    private void fail(RuntimeException e) {
        if (failure == null) {
            failure = e;
        }
        for (Waiter w : waiters) {
            w.future().completeExceptionally(failure);
        }
        waiters.clear();
        room.signalAll();
    }

    /** The failure that stopped this writer, if any: once failed, a writer stays failed. */
    public java.util.Optional<RuntimeException> failure() {
        lock.lock();
        try {
            return java.util.Optional.ofNullable(failure);
        } finally {
            lock.unlock();
        }
    }

    private void checkNotFailed() {
        if (failure != null) {
            throw failure;
        }
    }
}
