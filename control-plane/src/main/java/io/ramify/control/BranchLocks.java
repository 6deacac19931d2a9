package io.ramify.control;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One operation at a time on a branch name. Branch operations check the catalog, then make a
 * timeline in ratis-wal, then record it in the catalog; two of them on one name at once both
 * passed the check, both forked, and the catalog refused all but one, leaving timelines that no
 * branch holds (ratis-wal cannot delete a timeline). Holding the names an operation checks (the
 * new branch and its parent, say) from the check to the record makes the second one see the first
 * one's result before it forks. Names are locked in sorted order, so two operations never wait
 * for each other in a circle.
 */
final class BranchLocks {
    /**
     * How long an operation waits for another on the same branch: longer than one operation's own
     * bounds (a CHECKPOINT 30 s, shard discovery 60 s, a compute restart) so it normally gets its
     * turn; after it, {@link ControlError.Unavailable} tells the client to retry.
     */
    static final Duration WAIT_MAX = Duration.ofMinutes(3);

    /** A held set of names; closing releases them. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private record Slot(ReentrantReadWriteLock lock, int users) {}

    /** Names in use or waited for; an entry lives only while someone holds or waits for it. */
    private final Map<String, Slot> slots = new HashMap<>();

    /** {@code name} alone, exclusively. */
    Held lock(String project, String name) {
        return lock(project, List.of(name), List.of());
    }

    /**
     * {@code exclusive} names for this operation alone (the branch it changes) and {@code shared}
     * ones that must not change meanwhile (the parent a new branch forks from: siblings may fork at
     * once, a delete of the parent waits).
     */
    Held lock(String project, List<String> exclusive, List<String> shared) {
        TreeMap<String, Boolean> wanted = new TreeMap<>();
        shared.forEach(n -> wanted.put(project + "/" + n, false));
        exclusive.forEach(n -> wanted.put(project + "/" + n, true));
        List<String> keys = new ArrayList<>();
        List<Lock> held = new ArrayList<>();
        try {
            for (Map.Entry<String, Boolean> w : wanted.entrySet()) {
                ReentrantReadWriteLock rw = enter(w.getKey());
                keys.add(w.getKey());
                Lock l = w.getValue() ? rw.writeLock() : rw.readLock();
                if (!l.tryLock(WAIT_MAX.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw ControlError.unavailable(
                            "another operation on branch " + w.getKey() + " has run for more than "
                                    + WAIT_MAX.toMinutes() + " min; retry later with the same Idempotency-Key",
                            null);
                }
                held.add(l);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            release(keys, held);
            throw ControlError.unavailable("interrupted while waiting for another operation on a branch", e);
        } catch (RuntimeException e) {
            release(keys, held);
            throw e;
        }
        return () -> release(keys, held);
    }

    /** Unlocks what is held and leaves every entered slot (one more than held after a failed wait). */
    private void release(List<String> keys, List<Lock> held) {
        for (int i = keys.size() - 1; i >= 0; i--) {
            if (i < held.size()) {
                held.get(i).unlock();
            }
            leave(keys.get(i));
        }
    }

    private synchronized ReentrantReadWriteLock enter(String key) {
        Slot s = slots.get(key);
        Slot next = s == null ? new Slot(new ReentrantReadWriteLock(), 1) : new Slot(s.lock(), s.users() + 1);
        slots.put(key, next);
        return next.lock();
    }

    private synchronized void leave(String key) {
        Slot s = slots.get(key);
        if (s.users() == 1) {
            slots.remove(key);
        } else {
            slots.put(key, new Slot(s.lock(), s.users() - 1));
        }
    }

    /** Names with an entry (held or waited for); for tests. */
    synchronized int size() {
        return slots.size();
    }
}
