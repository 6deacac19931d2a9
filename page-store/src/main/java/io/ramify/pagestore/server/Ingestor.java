package io.ramify.pagestore.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.kv.RocksKv;
import io.ramify.kv.Writes;
import io.ramify.pagestore.core.Ingest;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.client.WalUnavailableException;
import io.ramify.wal.proto.OpsChunk;
import io.ramify.wal.proto.Rejection;
import io.ramify.wal.proto.TimelineStatus;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls this shard's ops from ratis-wal and stores them. A lister thread lists every timeline
 * (every {@code LIST_INTERVAL} at most while there is work, sooner when a reader waits for one it
 * has not seen) and pulls those behind; a timeline that had new ops gets a follower, a virtual
 * thread that long-polls it ({@code ReadOps} with a wait: the group's leader answers when the next
 * append to it is applied) until it has been quiet for {@code FOLLOW_IDLE_MAX}. At most {@code
 * FOLLOWED_MAX} timelines are followed at once; the lister pulls the rest each round. One thread
 * at a time works on a timeline: the lister hands it to a follower and skips it while followed.
 *
 * <p>Each chunk and the new ingested seq are written in one (unsynced) batch; a chunk with no op
 * for this shard (WAL, other shards' blocks) writes nothing. The ingested seq advances to the
 * chunk's {@code next_seq - 1}, so after a restart nothing is applied twice or skipped.
 * Acknowledgements are lazy ({@link #maybeAck}): at most one per timeline every {@code
 * ACK_INTERVAL}, each after a synced write of the ingested seq, since an ack lets ratis-wal drop
 * those ops.
 */
final class Ingestor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ingestor.class);

    private final PageStoreConfig config;
    private final WalClient wal;
    private final ShardDb db;
    private final IngestProgress progress;
    private final Counter ops;
    private final Counter bytes;
    private final Counter chunks;
    private final Counter walFailures;
    private final Counter acks;
    private final MetricRegistry metrics;
    private final Thread thread;
    private final Counter longPolls;
    private volatile boolean running = true;
    /** Failed calls to ratis-wal in a row, by the lister or any follower; reset by a success. */
    private final java.util.concurrent.atomic.AtomicInteger consecutiveFailures =
            new java.util.concurrent.atomic.AtomicInteger();

    private volatile String lastError;
    /** Per timeline, the seq last acknowledged to ratis-wal and when; written by whoever works on it. */
    private final java.util.Map<TimelineId, Acked> acked = new java.util.concurrent.ConcurrentHashMap<>();

    private record Acked(long seq, long atNanos) {}

    /** The timelines followed by a long-polling thread, each with its thread. */
    private final java.util.Map<TimelineId, Thread> followers = new java.util.concurrent.ConcurrentHashMap<>();

    private long lastListingNanos;

    Ingestor(PageStoreConfig config, WalClient wal, ShardDb db, IngestProgress progress, MetricRegistry metrics) {
        this.config = config;
        this.wal = wal;
        this.db = db;
        this.progress = progress;
        this.metrics = metrics;
        this.ops = metrics.counter("pagestore.ingest.ops");
        this.bytes = metrics.counter("pagestore.ingest.block_bytes");
        this.chunks = metrics.counter("pagestore.ingest.chunks");
        this.walFailures = metrics.counter("pagestore.ingest.wal_failures");
        this.acks = metrics.counter("pagestore.ingest.acks");
        this.longPolls = metrics.counter("pagestore.ingest.long_polls");
        metrics.gauge("pagestore.ingest.followed_timelines", () -> followers::size);
        this.thread = new Thread(this::run, "page-store-ingest-" + config.shard());
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    String lastError() {
        return lastError;
    }

    private void run() {
        long idle = config.pollMin().toMillis();
        long backoff = config.pollMin().toMillis() + 1;
        while (running) {
            try {
                boolean worked = round();
                consecutiveFailures.set(0);
                backoff = config.pollMin().toMillis() + 1;
                idle = worked
                        ? config.pollMin().toMillis()
                        : Math.min(Math.max(1, idle * 2), config.pollMax().toMillis());
                pause(idle);
            } catch (WalUnavailableException e) {
                if (!running) {
                    return;
                }
                walUnavailable(e, backoff);
                pause(backoff);
                backoff = Math.min(backoff * 2, config.walBackoffMax().toMillis());
            } catch (RuntimeException e) {
                // A local failure (disk) must not be retried blindly forever in a tight loop, but the
                // thread must not die silently either: report it and back off like an outage.
                consecutiveFailures.incrementAndGet();
                lastError = e.toString();
                LOG.error("shard {}: ingest round failed", config.shard(), e);
                pause(config.walBackoffMax().toMillis());
            }
        }
    }

    private void walUnavailable(WalUnavailableException e, long retryInMs) {
        walFailures.inc();
        int n = consecutiveFailures.incrementAndGet();
        lastError = e.getMessage();
        LOG.warn(
                "shard {}: ratis-wal unavailable ({} in a row), retrying in {} ms: {}",
                config.shard(),
                n,
                retryInMs,
                e.getMessage());
    }

    /**
     * One pass: list every timeline and pull those behind that no follower has; one that had new ops
     * gets a follower. True if anything was stored or acknowledged. While followers work, listings
     * come every {@code LIST_INTERVAL} at most (a reader waiting for a timeline not seen yet, or
     * behind, asks sooner): three Raft reads each 5 ms was most of what a busy shard asked of ratis-wal.
     */
    private boolean round() {
        long now = System.nanoTime();
        if (!followers.isEmpty()
                && now - lastListingNanos < PageStoreConfig.Defaults.LIST_INTERVAL.toNanos()
                && !progress.relistWanted()) {
            return false;
        }
        List<TimelineStatus> listed = WalClient.await(wal.listTimelines());
        lastListingNanos = now;
        boolean worked = false;
        for (TimelineStatus s : listed) {
            TimelineId tl = TimelineId.fromBytes(s.getTimeline().toByteArray());
            if (progress.get(tl) == null) {
                try (RocksKv kv = db.latest()) {
                    progress.seen(tl, Ingest.ingested(kv, tl), s.getLastSeq());
                }
                metrics.gauge("pagestore.timeline." + tl + ".ingest_lag_ops", () -> () -> {
                    IngestProgress.Entry e = progress.get(tl);
                    return e == null ? 0L : Math.max(0, e.lastSeq() - e.ingested());
                });
            } else {
                progress.seen(tl, 0, s.getLastSeq());
            }
        }
        progress.listed();
        for (TimelineStatus s : listed) {
            if (!running) {
                break;
            }
            TimelineId tl = TimelineId.fromBytes(s.getTimeline().toByteArray());
            if (followers.containsKey(tl)) {
                continue;
            }
            boolean had = ingest(s);
            worked |= had;
            if (had && progress.get(tl).broken() == null && followers.size() < PageStoreConfig.Defaults.FOLLOWED_MAX) {
                follow(tl, s);
            }
        }
        return worked;
    }

    private void follow(TimelineId tl, TimelineStatus listed) {
        Thread t = Thread.ofVirtual()
                .name("page-store-follow-" + config.shard() + "-" + tl.shortForm())
                .unstarted(() -> {
                    try {
                        followLoop(tl, listed);
                    } finally {
                        followers.remove(tl);
                    }
                });
        followers.put(tl, t);
        t.start();
    }

    /**
     * A follower: long-polls {@code tl} from its ingested seq, stores what comes, acknowledges lazily,
     * and ends once the timeline has been quiet for {@code FOLLOW_IDLE_MAX} (the lister picks it up
     * again when it moves), when it is broken, or when ratis-wal no longer knows it.
     */
    private void followLoop(TimelineId tl, TimelineStatus listed) {
        long wait = Math.min(
                PageStoreConfig.Defaults.LONG_POLL_WAIT.toMillis(),
                wal.config().requestTimeout().toMillis() / 2);
        long quietSince = System.nanoTime();
        long backoff = config.pollMin().toMillis() + 1;
        long ackedInWal = listed.getShardAcksCount() > config.shard() ? listed.getShardAcks(config.shard()) : 0;
        while (running) {
            IngestProgress.Entry e = progress.get(tl);
            if (e.broken() != null) {
                return;
            }
            long ingested = e.ingested();
            OpsChunk c;
            try {
                longPolls.inc();
                c = WalClient.await(wal.readOps(
                        tl,
                        config.shard(),
                        config.shardCount(),
                        Seq.of(ingested + 1),
                        config.maxBytesPerPull(),
                        config.maxOpsPerPull(),
                        java.time.Duration.ofMillis(wait)));
                consecutiveFailures.set(0);
                backoff = config.pollMin().toMillis() + 1;
            } catch (WalRejectedException r) {
                if (r.code() != Rejection.Code.UNKNOWN_TIMELINE) {
                    markBroken(
                            tl, "ratis-wal refused to stream ops from seq " + (ingested + 1) + ": " + r.getMessage());
                }
                return;
            } catch (WalUnavailableException u) {
                if (!running) {
                    return;
                }
                walUnavailable(u, backoff);
                pause(backoff);
                backoff = Math.min(backoff * 2, config.walBackoffMax().toMillis());
                continue;
            }
            long upTo = c.getNextSeq() - 1;
            if (upTo <= ingested) {
                try {
                    maybeAck(tl, ingested, ackedInWal); // stored earlier, acknowledged once due
                } catch (WalUnavailableException u) {
                    walUnavailable(u, backoff);
                }
                if (System.nanoTime() - quietSince > PageStoreConfig.Defaults.FOLLOW_IDLE_MAX.toNanos()) {
                    return;
                }
                continue;
            }
            quietSince = System.nanoTime();
            if (!storeChunk(tl, ingested, upTo, c)) {
                return;
            }
            try {
                maybeAck(tl, upTo, ackedInWal);
            } catch (WalUnavailableException u) {
                walUnavailable(u, backoff); // the next ack repeats it
            }
            if (upTo >= c.getLastSeq() && !holdBack(tl, upTo)) {
                return;
            }
        }
    }

    /**
     * Holds back the next pull of {@code tl} for {@code INGEST_BATCH_WAIT} or until a reader waits
     * for it (the chunk just stored was all there was). False when interrupted (closing).
     */
    private boolean holdBack(TimelineId tl, long ingested) {
        long deadline = System.nanoTime() + PageStoreConfig.Defaults.INGEST_BATCH_WAIT.toNanos();
        try {
            progress.awaitBatch(tl, ingested, deadline);
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stores one chunk and advances the timeline's progress; false when the timeline broke on it. */
    private boolean storeChunk(TimelineId tl, long ingested, long upTo, OpsChunk c) {
        try {
            if (c.getOpsCount() > 0) {
                store(tl, ingested, upTo, c);
            }
        } catch (IllegalArgumentException | IllegalStateException bad) {
            // An op the core cannot store (or a stream out of order) would fail every retry: stop this
            // timeline, loudly, instead of stalling every other one behind it.
            markBroken(tl, "cannot store ops " + (ingested + 1) + ".." + upTo + ": " + bad.getMessage());
            return false;
        }
        progress.advanced(tl, upTo, c.getLastSeq());
        return true;
    }

    /**
     * Pulls and stores what {@code s}'s timeline has beyond this shard's ingested seq, up to {@code
     * CHUNKS_PER_TIMELINE_ROUND_MAX} chunks (fairness). True if it stored or acknowledged anything.
     */
    private boolean ingest(TimelineStatus s) {
        TimelineId tl = TimelineId.fromBytes(s.getTimeline().toByteArray());
        IngestProgress.Entry e = progress.get(tl);
        if (e.broken() != null) {
            return false;
        }
        if (s.getShardCount() != config.shardCount()) {
            markBroken(
                    tl,
                    "timeline has " + s.getShardCount() + " shards in ratis-wal, this page store has "
                            + config.shardCount());
            return false;
        }
        long ingested = e.ingested();
        if (s.getAckedByAll() > ingested) {
            markBroken(
                    tl,
                    "ratis-wal dropped ops up to seq " + s.getAckedByAll() + " but this shard stored only up to "
                            + ingested + ": its data was lost");
            return false;
        }
        long ackedInWal = s.getShardAcksCount() > config.shard() ? s.getShardAcks(config.shard()) : 0;
        // Stored and not acknowledged yet: chunks since the last ack, or before a crash or a failed ack.
        boolean worked = s.getLastSeq() >= ingested && maybeAck(tl, ingested, ackedInWal);
        long last = s.getLastSeq();
        for (int n = 0; n < PageStoreConfig.Defaults.CHUNKS_PER_TIMELINE_ROUND_MAX && ingested < last && running; n++) {
            OpsChunk c;
            try {
                c = WalClient.await(wal.readOps(
                        tl,
                        config.shard(),
                        config.shardCount(),
                        Seq.of(ingested + 1),
                        config.maxBytesPerPull(),
                        config.maxOpsPerPull()));
            } catch (WalRejectedException r) {
                if (r.code() == Rejection.Code.UNKNOWN_TIMELINE) {
                    return worked; // listed a moment ago; let the next listing settle it
                }
                markBroken(tl, "ratis-wal refused to stream ops from seq " + (ingested + 1) + ": " + r.getMessage());
                return worked;
            }
            long upTo = c.getNextSeq() - 1;
            if (upTo <= ingested) {
                break; // nothing new yet
            }
            if (!storeChunk(tl, ingested, upTo, c)) {
                return worked;
            }
            maybeAck(tl, upTo, ackedInWal);
            ingested = upTo;
            last = Math.max(last, c.getLastSeq());
            worked = true;
        }
        return worked;
    }

    /**
     * Acknowledges {@code ingested} if it is ahead of the last ack and the ack is due (the first one
     * for a timeline at once, then every {@code ACK_INTERVAL} or {@code ACK_EVERY_OPS}): first the
     * ingested seq is written synced, which makes every chunk before it durable too. Returns whether
     * it acknowledged.
     */
    private boolean maybeAck(TimelineId tl, long ingested, long ackedInWal) {
        Acked last = acked.get(tl);
        long ackedSeq = Math.max(ackedInWal, last == null ? 0 : last.seq());
        long now = System.nanoTime();
        boolean due = last == null
                || ingested - ackedSeq >= PageStoreConfig.Defaults.ACK_EVERY_OPS
                || now - last.atNanos() >= PageStoreConfig.Defaults.ACK_INTERVAL.toNanos();
        if (ingested <= ackedSeq || !due) {
            return false;
        }
        synchronized (db.writeLock()) {
            try (RocksKv kv = db.latest()) {
                Writes w = new Writes(kv);
                Ingest.setIngested(w, tl, Math.max(ingested, Ingest.ingested(kv, tl)));
                db.commit(w);
            }
        }
        ack(tl, ingested);
        acked.put(tl, new Acked(ingested, now));
        acks.inc();
        return true;
    }

    /** Applies a chunk's ops and the new ingested seq in one unsynced batch (see {@link #maybeAck}). */
    private void store(TimelineId tl, long ingested, long upTo, OpsChunk c) {
        long blockBytes = 0;
        // Usage counters are read-modify-write: one writer at a time (the collector is the other).
        synchronized (db.writeLock()) {
            blockBytes = storeLocked(tl, ingested, upTo, c);
        }
        ops.inc(c.getOpsCount());
        bytes.inc(blockBytes);
        chunks.inc();
    }

    private long storeLocked(TimelineId tl, long ingested, long upTo, OpsChunk c) {
        long blockBytes = 0;
        try (RocksKv kv = db.latest()) {
            Writes w = new Writes(kv);
            long prev = ingested;
            for (OpsChunk.SeqOp so : c.getOpsList()) {
                if (so.getSeq() <= prev || so.getSeq() > upTo) {
                    throw new IllegalStateException("ratis-wal streamed seq " + so.getSeq() + " of " + tl + " after "
                            + prev + " in a chunk ending at " + upTo);
                }
                Ingest.apply(w, tl, so.getSeq(), so.getOp());
                if (so.getOp().hasBlock()) {
                    blockBytes += so.getOp().getBlock().getImage().size();
                }
                prev = so.getSeq();
            }
            Ingest.setIngested(w, tl, upTo);
            db.commitUnsynced(w);
        }
        return blockBytes;
    }

    private void ack(TimelineId tl, long seq) {
        try {
            WalClient.await(wal.ack(tl, config.shard(), Seq.of(seq)));
        } catch (WalRejectedException r) {
            LOG.warn("shard {}: ack of seq {} of {} refused: {}", config.shard(), seq, tl.shortForm(), r.getMessage());
        }
        // WalUnavailableException propagates: the round backs off; the next round sees the old ack
        // in the listing and repeats it.
    }

    private void markBroken(TimelineId tl, String why) {
        LOG.error("shard {}: not ingesting timeline {}: {}", config.shard(), tl, why);
        progress.broken(tl, why);
    }

    private void pause(long ms) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        // Sleep in small steps so a reader's request for a fresh listing is served quickly.
        while (running && System.nanoTime() < until && !progress.relistWanted()) {
            try {
                Thread.sleep(Math.min(ms, 5));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            // A follower ends within its long poll's wait once it sees running is false.
            for (Thread f : List.copyOf(followers.values())) {
                f.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("ingest thread of shard " + config.shard() + " did not stop within 30 s");
        }
        if (!followers.isEmpty()) {
            throw new IllegalStateException(
                    followers.size() + " followers of shard " + config.shard() + " did not stop within 30 s");
        }
    }
}
