package io.ramify.chaos.check;

import static io.ramify.chaos.check.RegisterModel.KEY;
import static io.ramify.chaos.check.RegisterModel.READ;
import static io.ramify.chaos.check.RegisterModel.WRITE;
import static io.ramify.chaos.check.RegisterModel.read;
import static io.ramify.chaos.check.RegisterModel.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.chaos.check.LinearizabilityResult.Verdict;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.Value;
import org.junit.jupiter.api.Test;

/** Textbook register histories: the checker accepts the linearizable ones and rejects the others. */
class RegisterLinearizabilityTest {
    /** Brute force tries every order: beyond a few operations it takes too long. */
    private static final int BRUTE_FORCE_OPS_MAX = 8;

    private final LinearizabilityChecker<RegisterModel.Registers> checker =
            new LinearizabilityChecker<>(new RegisterModel(true));

    private static Value v(long n) {
        return Value.of(n);
    }

    @Test
    void sequentialWriteThenReadIsAccepted() {
        History h = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .ok(0)
                .invoke(0, READ, read(KEY))
                .ok(0, v(1))
                .build();
        assertVerdict(Verdict.LINEARIZABLE, h);
    }

    /** A read that began after a write completed returns the old value: the simplest violation. */
    @Test
    void staleReadIsRejected() {
        History h = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .ok(0)
                .invoke(1, READ, read(KEY))
                .ok(1, v(0))
                .build();
        LinearizabilityResult<RegisterModel.Registers> r = assertVerdict(Verdict.NOT_LINEARIZABLE, h);
        LinearizabilityResult.Failure<RegisterModel.Registers> f = r.failure().orElseThrow();
        assertEquals(1, f.prefix().size(), f.describe());
        assertEquals(WRITE, f.prefix().getFirst().f());
        assertEquals(READ, f.stuck().f());
        assertEquals(1L, f.state().get(KEY));
        assertTrue(f.expected().contains("ok 1"), f.expected());
    }

    /** A read concurrent with a write may see either value. */
    @Test
    void concurrentReadSeesEitherValue() {
        for (long seen : new long[] {0, 1}) {
            History h = History.builder()
                    .invoke(0, WRITE, write(KEY, 1))
                    .invoke(1, READ, read(KEY))
                    .ok(1, v(seen))
                    .ok(0)
                    .build();
            assertVerdict(Verdict.LINEARIZABLE, h);
        }
    }

    /**
     * The classic non-linearizable history (Herlihy and Wing's new-old inversion): two reads, both
     * concurrent with a write, the first sees the new value and the second, which began after the
     * first completed, the old one. Each read alone is fine; together they are not.
     */
    @Test
    void newOldInversionIsRejected() {
        History h = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .invoke(1, READ, read(KEY))
                .ok(1, v(1))
                .invoke(2, READ, read(KEY))
                .ok(2, v(0))
                .ok(0)
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, h);
        History fine = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .invoke(1, READ, read(KEY))
                .ok(1, v(0))
                .invoke(2, READ, read(KEY))
                .ok(2, v(1))
                .ok(0)
                .build();
        assertVerdict(Verdict.LINEARIZABLE, fine);
    }

    /** Two writers, and a reader that sees a value nobody wrote. */
    @Test
    void valueNobodyWroteIsRejected() {
        History h = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .invoke(1, WRITE, write(KEY, 2))
                .invoke(2, READ, read(KEY))
                .ok(2, v(3))
                .ok(0)
                .ok(1)
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, h);
    }

    /** An indeterminate write may show, or not; but once seen it cannot unhappen. */
    @Test
    void indeterminateWriteMayOrMayNotTakeEffect() {
        for (long seen : new long[] {0, 1}) {
            History h = History.builder()
                    .invoke(0, WRITE, write(KEY, 1))
                    .info(0)
                    .invoke(1, READ, read(KEY))
                    .ok(1, v(seen))
                    .build();
            assertVerdict(Verdict.LINEARIZABLE, h);
        }
        History late = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .info(0)
                .invoke(1, READ, read(KEY))
                .ok(1, v(0))
                .invoke(1, READ, read(KEY))
                .ok(1, v(1))
                .build();
        assertVerdict(Verdict.LINEARIZABLE, late);
        History flicker = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .info(0)
                .invoke(1, READ, read(KEY))
                .ok(1, v(1))
                .invoke(1, READ, read(KEY))
                .ok(1, v(0))
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, flicker);
    }

    /** An invocation never completed is indeterminate too, even before its process's later ops. */
    @Test
    void missingCompletionIsIndeterminate() {
        History h = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .invoke(1, READ, read(KEY))
                .ok(1, v(1))
                .build();
        assertVerdict(Verdict.LINEARIZABLE, h);
    }

    /** A write that failed without effect must not be seen. */
    @Test
    void failedWriteMustNotBeSeen() {
        History h = History.builder()
                .invoke(0, WRITE, write(KEY, 1))
                .fail(0, null)
                .invoke(1, READ, read(KEY))
                .ok(1, v(1))
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, h);
    }

    /** Per-key parts: each key is checked alone, and a bad key is found among good ones. */
    @Test
    void partitionsByKey() {
        History good = History.builder()
                .invoke(0, WRITE, write("a", 1))
                .invoke(1, WRITE, write("b", 2))
                .ok(1)
                .invoke(1, READ, read("b"))
                .ok(1, v(2))
                .ok(0)
                .invoke(0, READ, read("a"))
                .ok(0, v(1))
                .build();
        LinearizabilityResult<RegisterModel.Registers> r = assertVerdict(Verdict.LINEARIZABLE, good);
        assertEquals(2, r.parts());
        assertEquals(4, r.linearization().size());
        History bad = History.builder()
                .invoke(0, WRITE, write("a", 1))
                .ok(0)
                .invoke(1, WRITE, write("b", 2))
                .ok(1)
                .invoke(1, READ, read("b"))
                .ok(1, v(2))
                .invoke(0, READ, read("a"))
                .ok(0, v(0))
                .build();
        LinearizabilityResult<RegisterModel.Registers> b = assertVerdict(Verdict.NOT_LINEARIZABLE, bad);
        assertEquals(Value.of("a"), b.failure().orElseThrow().stuck().input());
    }

    /** Many concurrent writes of distinct values: a tiny bound gives UNKNOWN, never a verdict. */
    @Test
    void searchBoundGivesUnknown() {
        History.Builder b = History.builder();
        int writers = 10;
        for (int p = 0; p < writers; p++) {
            b.invoke(p, WRITE, write(KEY, p + 1));
        }
        b.invoke(writers, READ, read(KEY)).ok(writers, v(0));
        for (int p = 0; p < writers; p++) {
            b.ok(p);
        }
        History h = b.build();
        LinearizabilityResult<RegisterModel.Registers> bounded =
                new LinearizabilityChecker<>(new RegisterModel(true), 100).check(h);
        assertEquals(Verdict.UNKNOWN, bounded.verdict(), bounded.toString());
        assertTrue(bounded.toString().contains("search bound hit"), bounded.toString());
        assertVerdict(Verdict.LINEARIZABLE, h);
    }

    private LinearizabilityResult<RegisterModel.Registers> assertVerdict(Verdict expected, History h) {
        LinearizabilityResult<RegisterModel.Registers> r = checker.check(h);
        assertEquals(expected, r.verdict(), () -> r + "\n" + h);
        if (h.operations().size() <= BRUTE_FORCE_OPS_MAX) {
            assertEquals(
                    expected == Verdict.LINEARIZABLE,
                    BruteForce.linearizable(new RegisterModel(false), h.operations()),
                    "brute force disagrees on\n" + h);
        }
        return r;
    }
}
