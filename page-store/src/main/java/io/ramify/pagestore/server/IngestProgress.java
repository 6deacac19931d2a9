package io.ramify.pagestore.server;

import io.ramify.common.TimelineId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * How far this shard has stored each timeline, shared between the ingestor (which advances it
 * after each batch it writes, or skips when a chunk holds nothing for this shard) and readers
 * (which wait on it). After a crash it restarts from the ingested seq stored on disk. Also counts ratis-wal listings, so a
 * reader naming a timeline not seen yet can wait for the next listing before calling it unknown.
 */
final class IngestProgress {
    /** One timeline: stored here up to {@code ingested}; ratis-wal had {@code lastSeq} when last asked. */
    record Entry(long ingested, long lastSeq, String broken) {}

    private final Map<TimelineId, Entry> timelines = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long listings;
    private volatile long lastListingMillis;
    private volatile boolean relistWanted;
    /** Per timeline, the highest seq a reader waits for now (guarded by {@code lock}). */
    private final Map<TimelineId, Long> wanted = new java.util.HashMap<>();

    Entry get(TimelineId tl) {
        return timelines.get(tl);
    }

    Map<TimelineId, Entry> all() {
        return Map.copyOf(timelines);
    }

    /** A timeline seen in a listing, with what this shard has stored of it. */
    void seen(TimelineId tl, long storedIngested, long lastSeq) {
        timelines.compute(
                tl,
                (k, e) -> e == null
                        ? new Entry(storedIngested, lastSeq, null)
                        : new Entry(e.ingested(), Math.max(e.lastSeq(), lastSeq), e.broken()));
    }

    void advanced(TimelineId tl, long ingested, long lastSeq) {
        timelines.compute(
                tl,
                (k, e) -> new Entry(
                        ingested, Math.max(lastSeq, e == null ? 0 : e.lastSeq()), e == null ? null : e.broken()));
        signal();
    }

    void broken(TimelineId tl, String why) {
        timelines.computeIfPresent(tl, (k, e) -> new Entry(e.ingested(), e.lastSeq(), why));
    }

    void listed() {
        lock.lock();
        try {
            listings++;
            lastListingMillis = System.currentTimeMillis();
            relistWanted = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    long lastListingMillis() {
        return lastListingMillis;
    }

    /** Whether a reader asked for a listing sooner than the ingestor's own pace. */
    boolean relistWanted() {
        return relistWanted;
    }

    /**
     * Waits until {@code tl} is known and ingested up to {@code seq}, or until {@code deadlineNanos}.
     * Returns the entry as it then is, or null when the timeline was not in any listing made after
     * the wait began.
     */
    Entry await(TimelineId tl, long seq, long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            long listingAtStart = listings;
            if (wanted.merge(tl, seq, Math::max) == seq) {
                changed.signalAll(); // a follower holding back its next pull (awaitBatch) goes now
            }
            Entry first = timelines.get(tl);
            if (first != null && first.ingested() < seq) {
                relistWanted = true; // one listing now: the lister pulls a timeline no follower has
            }
            while (true) {
                Entry e = timelines.get(tl);
                if (e != null && e.ingested() >= seq) {
                    return e;
                }
                if (e == null && listings >= listingAtStart + 2) {
                    return null; // a full listing started after we asked did not have it
                }
                if (e == null) {
                    relistWanted = true;
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return e;
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            }
        } finally {
            Entry now = timelines.get(tl);
            if (now == null || now.ingested() >= wanted.getOrDefault(tl, 0L)) {
                wanted.remove(tl); // served (or gone); a reader still waiting for more keeps its mark
            }
            lock.unlock();
        }
    }

    /**
     * Waits until {@code deadlineNanos}, or less when a reader waits for {@code tl} beyond {@code
     * ingested}: a follower holds back its next pull this way so that the commits of a busy timeline
     * reach this shard in batches, not one read and one write each, except when someone needs them.
     */
    void awaitBatch(TimelineId tl, long ingested, long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            long left;
            while (wanted.getOrDefault(tl, 0L) <= ingested && (left = deadlineNanos - System.nanoTime()) > 0) {
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
