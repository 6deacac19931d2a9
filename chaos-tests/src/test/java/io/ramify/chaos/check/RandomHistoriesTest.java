package io.ramify.chaos.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.chaos.check.LinearizabilityResult.Verdict;
import io.ramify.chaos.history.History;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random histories: made linearizable by construction ({@link RandomHistories}) they must all be
 * accepted; with one outcome replaced at random the checker must agree with the exhaustive search
 * of {@link BruteForce} (rejected, unless the new outcome happens to be possible too).
 */
class RandomHistoriesTest {
    private static final long SEED = 14;
    private static final int ROUNDS = 1_000;
    /** Operations per history checked by brute force: every order of them is tried. */
    private static final int BRUTE_FORCE_OPS_MAX = 8;

    @Test
    void catalogHistoriesAgreeWithBruteForce() {
        Random rnd = new Random(SEED);
        CatalogModel model = new CatalogModel();
        int rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int n = 3 + rnd.nextInt(BRUTE_FORCE_OPS_MAX - 2);
            History h = RandomHistories.concurrent(
                    model, RandomHistories.catalogCalls(rnd, n), rnd, 1 + rnd.nextInt(3), 0.15);
            assertAccepted(model, h);
            History bad = RandomHistories.corruptOne(h, rnd, RandomHistories::corruptCatalog);
            rejected += agree(model, bad) ? 0 : 1;
        }
        // The controls bite: most corruptions are impossible outcomes and must have been rejected.
        assertTrue(rejected > ROUNDS / 2, rejected + " of " + ROUNDS + " corrupted histories rejected");
    }

    @Test
    void registerHistoriesAgreeWithBruteForce() {
        Random rnd = new Random(SEED + 1);
        RegisterModel model = new RegisterModel(true);
        int rejected = 0;
        for (int round = 0; round < ROUNDS; round++) {
            int n = 3 + rnd.nextInt(BRUTE_FORCE_OPS_MAX - 2);
            History h = RandomHistories.concurrent(
                    model, RandomHistories.registerCalls(rnd, n, 1 + rnd.nextInt(2)), rnd, 1 + rnd.nextInt(3), 0.15);
            assertAccepted(model, h);
            History bad = RandomHistories.corruptOne(h, rnd, RandomHistories::corruptRegister);
            rejected += agree(model, bad) ? 0 : 1;
        }
        assertTrue(rejected > ROUNDS / 3, rejected + " of " + ROUNDS + " corrupted histories rejected");
    }

    /** Long histories, too long for brute force: accepted, and within the search bound. */
    @Test
    void longCatalogHistoriesAreAccepted() {
        Random rnd = new Random(SEED + 2);
        CatalogModel model = new CatalogModel();
        for (int round = 0; round < 5; round++) {
            History h = RandomHistories.concurrent(model, RandomHistories.catalogCalls(rnd, 400), rnd, 4, 0.05);
            long start = System.nanoTime();
            LinearizabilityResult<CatalogModel.State> r = new LinearizabilityChecker<>(model).check(h);
            long millis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf(
                    "catalog history of %d operations: %s in %d ms%n",
                    h.operations().size(), r, millis);
            assertEquals(Verdict.LINEARIZABLE, r.verdict(), () -> r + "\n" + h);
            History bad = RandomHistories.corruptOne(h, rnd, RandomHistories::corruptCatalog);
            start = System.nanoTime();
            LinearizabilityResult<CatalogModel.State> b = new LinearizabilityChecker<>(model).check(bad);
            System.out.printf(
                    "  one outcome replaced: %s after %d configurations in %d ms%n",
                    b.verdict(), b.configurations(), (System.nanoTime() - start) / 1_000_000);
            assertTrue(b.verdict() != Verdict.UNKNOWN, b.toString());
        }
    }

    private static <S> void assertAccepted(DeterministicModel<S> model, History h) {
        LinearizabilityResult<S> r = new LinearizabilityChecker<>(model).check(h);
        assertEquals(Verdict.LINEARIZABLE, r.verdict(), () -> r + "\n" + h);
        assertTrue(BruteForce.linearizable(model, h.operations()), () -> "brute force rejects\n" + h);
    }

    /** Whether the checker accepts {@code h}, asserting that brute force says the same. */
    private static <S> boolean agree(DeterministicModel<S> model, History h) {
        LinearizabilityResult<S> r = new LinearizabilityChecker<>(model).check(h);
        boolean brute = BruteForce.linearizable(model, h.operations());
        assertEquals(brute ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE, r.verdict(), () -> r + "\n" + h);
        return brute;
    }
}
