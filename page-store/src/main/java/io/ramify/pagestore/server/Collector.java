package io.ramify.pagestore.server;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.kv.RocksKv;
import io.ramify.kv.Writes;
import io.ramify.pagestore.core.Gc;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalRejectedException;
import io.ramify.wal.proto.TimelineStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background garbage collection of one shard under docs/design.md rule 7. Each run takes the tree of
 * timelines from ratis-wal and, per timeline, retains its head, its children's fork cuts and every
 * cut of the history window (the cut at the last commit before now − window, through the head);
 * the core deletes what no retained cut sees. Runs are bounded in versions per step and steps per
 * run, and are resumed on the next run.
 */
final class Collector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Collector.class);
    /** Versions judged per RocksDB batch. */
    static final int VERSIONS_PER_STEP = 4096;
    /** Batches per timeline per run, so one huge timeline cannot starve the others. */
    static final int STEPS_PER_TIMELINE_RUN = 256;

    static final long CLOSE_WAIT_MILLIS = 30_000;

    private final WalClient wal;
    private final ShardDb db;
    private final Duration window;
    private final Duration interval;
    private final Counter versionsDeleted;
    private final Counter bytesFreed;
    private final Counter runs;
    private final AtomicLong lastRunMillis = new AtomicLong();
    private final Map<TimelineId, byte[]> resumeFrom = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;

    Collector(WalClient wal, ShardDb db, MetricRegistry metrics, Duration window, Duration interval) {
        this.wal = wal;
        this.db = db;
        this.window = window;
        this.interval = interval;
        this.versionsDeleted = metrics.counter("pagestore.gc.versions_deleted");
        this.bytesFreed = metrics.counter("pagestore.gc.bytes_freed");
        this.runs = metrics.counter("pagestore.gc.runs");
        metrics.gauge(
                "pagestore.gc.last_run_age_seconds",
                () -> () -> lastRunMillis.get() == 0 ? -1 : (System.currentTimeMillis() - lastRunMillis.get()) / 1000);
        this.thread = new Thread(this::loop, "page-store-gc");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(interval.toMillis());
                runOnce();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warn("garbage collection run failed (next run in {}): {}", interval, e.toString());
            }
        }
    }

    /** One pass over every timeline; returns versions deleted. */
    synchronized long runOnce() {
        List<TimelineStatus> all = WalClient.await(wal.listTimelines());
        Map<TimelineId, NavigableSet<Long>> forkCuts = new HashMap<>();
        for (TimelineStatus s : all) {
            if (!s.getParent().isEmpty()) {
                forkCuts.computeIfAbsent(TimelineId.fromBytes(s.getParent().toByteArray()), k -> new TreeSet<>())
                        .add(s.getForkCut());
            }
        }
        long deleted = 0;
        for (TimelineStatus s : all) {
            if (closed) {
                break;
            }
            TimelineId tl = TimelineId.fromBytes(s.getTimeline().toByteArray());
            Gc.Retention r = new Gc.Retention(
                    s.getLastSeq(), windowStart(tl, s.getLastSeq()), forkCuts.getOrDefault(tl, new TreeSet<>()));
            deleted += collect(tl, r);
        }
        runs.inc();
        lastRunMillis.set(System.currentTimeMillis());
        return deleted;
    }

    /** The first seq of the history window: the cut at the last commit before now − window. */
    private long windowStart(TimelineId tl, long head) {
        try {
            Lsn lsn = WalClient.await(wal.lsnForTime(tl, Instant.now().minus(window)));
            return WalClient.await(wal.cutFor(tl, lsn)).value();
        } catch (WalRejectedException e) {
            return switch (e.code()) {
                case OUT_OF_WINDOW -> 0; // no commit that old: the whole history is inside the window
                case BEYOND_END -> head; // a window of (about) zero: only the head is retained
                default -> throw e;
            };
        }
    }

    private long collect(TimelineId tl, Gc.Retention r) {
        long deleted = 0;
        for (int step = 0; step < STEPS_PER_TIMELINE_RUN && !closed; step++) {
            Gc.Result res;
            synchronized (db.writeLock()) {
                try (RocksKv kv = db.latest()) {
                    Writes w = new Writes(kv);
                    res = Gc.collect(kv, w, tl, r, resumeFrom.get(tl), VERSIONS_PER_STEP);
                    if (!w.isEmpty()) {
                        db.commit(w);
                    }
                }
            }
            deleted += res.versionsDeleted();
            versionsDeleted.inc(res.versionsDeleted());
            bytesFreed.inc(res.bytesFreed());
            if (res.resumeFrom() == null) {
                resumeFrom.remove(tl);
                break;
            }
            resumeFrom.put(tl, res.resumeFrom());
        }
        return deleted;
    }

    /** Stops the loop and waits for a running step to finish, so the database can close safely. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
