package io.ramify.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Exclusive names exclude everything on the name; shared ones only exclusive holders; slots are dropped. */
class BranchLocksTest {
    final BranchLocks locks = new BranchLocks();

    @Test
    void siblingsShareTheParentAndADeleteOfTheParentWaits() throws Exception {
        BranchLocks.Held a = locks.lock("p", List.of("a"), List.of("main"));
        CompletableFuture<Void> sibling = inOtherThread(() -> locks.lock("p", List.of("b"), List.of("main")));
        sibling.get(5, TimeUnit.SECONDS); // not blocked by a's shared hold on main
        CompletableFuture<Void> delete = inOtherThread(() -> locks.lock("p", "main"));
        assertFalse(done(delete), "a delete of the parent waits while a child is being made");
        a.close();
        delete.get(5, TimeUnit.SECONDS);
        assertEquals(0, locks.size(), "no slot is left once nobody holds or waits");
    }

    @Test
    void twoOperationsOnOneNameTakeTurns() throws Exception {
        BranchLocks.Held first = locks.lock("p", List.of("dup"), List.of("main"));
        CompletableFuture<Void> second = inOtherThread(() -> locks.lock("p", List.of("dup"), List.of("main")));
        assertFalse(done(second));
        inOtherThread(() -> locks.lock("q", "dup")).get(5, TimeUnit.SECONDS); // another project's name
        first.close();
        second.get(5, TimeUnit.SECONDS);
        assertEquals(0, locks.size());
    }

    /** Takes the lock in another thread and lets it go there at once (locks belong to threads). */
    private static CompletableFuture<Void> inOtherThread(Supplier<BranchLocks.Held> take) {
        return CompletableFuture.runAsync(
                () -> take.get().close(), r -> Thread.ofPlatform().daemon().start(r));
    }

    private static boolean done(CompletableFuture<?> f) throws Exception {
        try {
            f.get(200, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }
}
