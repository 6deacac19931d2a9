package io.ramify.bench;

import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalLimits;
import io.ramify.wal.proto.OpBatch;
import io.ramify.wal.proto.TimelineStatus;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Appends batches of one {@link Shape} to a fresh timeline, either one at a time (each waits for
 * its commit before the next is sent, as a compute's fsync would) or with a fixed number in
 * flight. Every run gets its own timeline so runs do not share seqs or RocksDB state.
 */
final class AppendRunner {
    private static final int SHARDS = 1;
    private static final Generation GENERATION = Generation.of(1);
    /** How long a pipelined run waits for its last batches to commit. */
    private static final long DRAIN_SECONDS = 60;

    private final WalClient client;
    private final int warmupBatches;

    AppendRunner(WalClient client, int warmupBatches) {
        this.client = client;
        this.warmupBatches = warmupBatches;
    }

    /** Sends {@code batches} batches one after another, timing each from send to commit. */
    Result serial(Shape shape, int batches) {
        Shape.Cursor cursor = freshTimeline();
        sendSerially(shape, cursor, warmupBatches, new Latencies());
        Latencies lat = new Latencies();
        long start = System.nanoTime();
        sendSerially(shape, cursor, batches, lat);
        return new Result(shape, "one at a time", 1, lat.summary(), System.nanoTime() - start);
    }

    private void sendSerially(Shape shape, Shape.Cursor cursor, int batches, Latencies lat) {
        for (int i = 0; i < batches; i++) {
            OpBatch b = shape.next(cursor);
            long t0 = System.nanoTime();
            WalClient.await(client.append(b));
            lat.add(System.nanoTime() - t0);
        }
    }

    /**
     * Keeps {@code inFlight} batches sent and not yet committed for {@code seconds}, then waits for
     * the rest. Latency here includes queueing behind the batches ahead, so it is not comparable
     * with a serial run's; throughput is the point.
     */
    Result pipelined(Shape shape, int inFlight, double seconds) throws InterruptedException {
        Shape.Cursor cursor = freshTimeline();
        sendSerially(shape, cursor, warmupBatches, new Latencies());
        Latencies lat = new Latencies();
        Semaphore room = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long start = System.nanoTime();
        long stopAt = start + (long) (seconds * 1e9);
        while (System.nanoTime() < stopAt && failure.get() == null) {
            room.acquire();
            OpBatch b = shape.next(cursor);
            long t0 = System.nanoTime();
            // Ratis's async client keeps a sliding window per client, so batches are applied in the order
            // sent and consecutive seqs stay consecutive.
            client.append(b).whenComplete((r, err) -> {
                if (err != null) {
                    failure.compareAndSet(null, err);
                } else {
                    lat.add(System.nanoTime() - t0);
                }
                room.release();
            });
        }
        if (!room.tryAcquire(inFlight, DRAIN_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException("batches still uncommitted " + DRAIN_SECONDS + " s after the run ended");
        }
        long elapsed = System.nanoTime() - start;
        if (failure.get() != null) {
            throw new IllegalStateException("a pipelined append failed: " + failure.get(), failure.get());
        }
        return new Result(shape, inFlight + " in flight", inFlight, lat.summary(), elapsed);
    }

    /** A new root timeline claimed by generation 1; its WAL starts at the second 16 MiB segment. */
    private Shape.Cursor freshTimeline() {
        TimelineId tl = TimelineId.random();
        WalClient.await(client.createRoot(tl, SHARDS));
        TimelineStatus s = WalClient.await(client.claim(tl, GENERATION));
        long walStart = Math.max(s.getMaxWalEnd(), WalLimits.DEFAULT_SEGMENT_SIZE);
        return new Shape.Cursor(tl, GENERATION.value(), s.getLastSeq(), walStart);
    }

    /** One run's figures: commit latencies and how long the measured batches took in all. */
    record Result(Shape shape, String mode, int inFlight, Latencies.Summary latency, long elapsedNanos) {
        double batchesPerSecond() {
            return latency.count() / (elapsedNanos / 1e9);
        }

        /** Payload bytes committed per second, in MiB (2^20 bytes). */
        double mibPerSecond() {
            return batchesPerSecond() * shape.payloadBytes() / (1 << 20);
        }
    }
}
