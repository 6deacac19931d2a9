package io.ramify.wal.server;

import com.google.protobuf.ByteString;
import io.ramify.wal.client.WalLimits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Long polls of one group: a page store asking for ops beyond a timeline's last seq parks here
 * until the next append to that timeline is applied, or its wait runs out, instead of polling
 * every few milliseconds (each poll a Raft read on the leader). A waiter is registered before
 * the reader looks at the database, so an append applied in between wakes it rather than being
 * missed. At most {@link #WAITING_MAX} wait at once; beyond that a read is answered
 * at once.
 */
final class ReadWaits {
    /** Long polls one group holds at once; beyond that a read is answered at once, empty or not. */
    static final int WAITING_MAX = 256;
    /** Per timeline (its id bytes), the readers waiting for its next append. Guarded by this. */
    private final Map<ByteString, List<CompletableFuture<Void>>> waiting = new HashMap<>();

    private int count;

    /**
     * A future completed by the next append to {@code timeline}, or after {@code waitMillis}
     * (capped at {@link WalLimits#READ_WAIT_MILLIS_MAX}); null when too many reads wait already.
     */
    synchronized CompletableFuture<Void> register(ByteString timeline, int waitMillis) {
        if (count >= WAITING_MAX) {
            return null;
        }
        CompletableFuture<Void> woken = new CompletableFuture<>();
        waiting.computeIfAbsent(timeline, t -> new ArrayList<>()).add(woken);
        count++;
        woken.completeOnTimeout(null, Math.min(waitMillis, WalLimits.READ_WAIT_MILLIS_MAX), TimeUnit.MILLISECONDS);
        woken.whenComplete((v, e) -> remove(timeline, woken));
        return woken;
    }

    private synchronized void remove(ByteString timeline, CompletableFuture<Void> woken) {
        List<CompletableFuture<Void>> l = waiting.get(timeline);
        if (l != null && l.remove(woken)) {
            count--;
            if (l.isEmpty()) {
                waiting.remove(timeline);
            }
        }
    }

    /** Wakes every reader waiting on {@code timeline}; called after an append to it was applied. */
    void wake(ByteString timeline) {
        List<CompletableFuture<Void>> woken;
        synchronized (this) {
            List<CompletableFuture<Void>> l = waiting.get(timeline);
            if (l == null) {
                return;
            }
            woken = List.copyOf(l);
        }
        // Completed outside the lock: each completion removes itself (and takes the lock).
        woken.forEach(f -> f.complete(null));
    }

    /** Wakes every reader (the group closes or reloads its database): each answers from what is there. */
    void wakeAll() {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (this) {
            waiting.values().forEach(all::addAll);
        }
        all.forEach(f -> f.complete(null));
    }

    synchronized int waiting() {
        return count;
    }
}
