package io.ramify.chaos;

import static io.ramify.wal.client.WalClient.await;

import io.ramify.common.Generation;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import io.ramify.wal.proto.OpsChunk;
import io.ramify.wal.proto.TimelineStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A writer on one timeline that remembers what the cluster acknowledged: it submits small ops (a
 * file event naming its own seq, so the op at any seq can be recomputed), waits until they are
 * durable, and records the highest acknowledged seq. A writer that fails for good (the cluster did
 * not answer within the client's bounded retries) is replaced by a new claim with the next
 * generation, as a restarted compute would; ops it had not seen acknowledged may or may not be in.
 */
final class AckedAppends implements AutoCloseable {
    /** Ops per durable wait: a handful, like the writes before one commit. */
    static final int OPS_PER_COMMIT = 5;
    /** The longest a durable wait may take before the writer is given up. */
    static final Duration DURABLE_WAIT_MAX = Duration.ofSeconds(90);

    private final WalClient client;
    private final TimelineId timeline;
    private final Duration pause;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong reclaims = new AtomicLong();
    private final List<String> errors = new ArrayList<>();
    private volatile boolean running = true;
    private long generation;
    private TimelineWriter writer;
    private final Thread thread;

    /** Creates {@code timeline} and starts writing to it, pausing {@code pause} after each commit. */
    AckedAppends(WalClient client, TimelineId timeline, Duration pause) {
        this.client = client;
        this.timeline = timeline;
        this.pause = pause;
        await(client.createRoot(timeline, 1));
        claim();
        thread = Thread.ofPlatform()
                .name("acked-appends-" + timeline.shortForm())
                .start(this::run);
    }

    /** Without a thread: one commit of a few ops at each {@link #commitOnce} call. */
    AckedAppends(WalClient client, TimelineId timeline) {
        this.client = client;
        this.timeline = timeline;
        this.pause = null;
        await(client.createRoot(timeline, 1));
        claim();
        thread = null;
    }

    private void claim() {
        generation++;
        TimelineStatus s = await(client.claim(timeline, Generation.of(generation)));
        writer = client.writer(timeline, Generation.of(generation), s);
    }

    static Op opFor(long seq) {
        return Ops.file(FileEvent.Kind.CREATE, "chaos/" + seq, seq);
    }

    private void run() {
        while (running) {
            try {
                commitOnce();
                WalNodes.sleep(pause.toMillis());
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                synchronized (errors) {
                    errors.add(e.toString());
                }
                reclaims.incrementAndGet();
                WalNodes.sleep(200);
                try {
                    claim();
                } catch (RuntimeException again) {
                    synchronized (errors) {
                        errors.add("reclaim: " + again);
                    }
                }
            }
        }
    }

    /** Submits a few ops and waits until they are durable; throws when the cluster did not take them. */
    void commitOnce() {
        long last = 0;
        for (int i = 0; i < OPS_PER_COMMIT; i++) {
            long next = writer.lastSubmittedSeq() + 1;
            last = writer.submit(opFor(next));
            if (last != next) {
                throw new IllegalStateException("writer gave seq " + last + " for the op made for " + next);
            }
        }
        try {
            writer.durable(last).get(DURABLE_WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "ops up to seq " + last + " of " + timeline.shortForm() + " not durable: " + e, e);
        }
        acked.accumulateAndGet(last, Math::max);
    }

    long acked() {
        return acked.get();
    }

    long reclaims() {
        return reclaims.get();
    }

    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /**
     * Reads the timeline back and returns what is wrong: an acknowledged seq missing or holding
     * another op, or a seq returned twice. Empty when every acknowledged op is there, once.
     */
    List<String> check() {
        long upTo = acked();
        List<String> problems = new ArrayList<>();
        long expect = 1;
        long from = 1;
        for (int round = 0; round < 100_000 && expect <= upTo; round++) {
            OpsChunk chunk = await(client.readOps(timeline, 0, 1, Seq.of(from), 1 << 20, 5000));
            for (OpsChunk.SeqOp so : chunk.getOpsList()) {
                if (so.getSeq() != expect) {
                    problems.add("expected seq " + expect + ", read " + so.getSeq());
                    return problems;
                }
                if (so.getSeq() <= upTo && !so.getOp().getFile().getPath().equals("chaos/" + so.getSeq())) {
                    problems.add("seq " + so.getSeq() + " holds "
                            + so.getOp().getFile().getPath());
                }
                expect++;
            }
            from = chunk.getNextSeq();
            if (from > chunk.getLastSeq()) {
                break;
            }
        }
        if (expect <= upTo) {
            problems.add("acknowledged up to seq " + upTo + ", the timeline ends at " + (expect - 1));
        }
        return problems;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (thread != null) {
            thread.join(Duration.ofSeconds(120));
        }
    }
}
