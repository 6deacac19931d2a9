package io.ramify.chaos.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.chaos.check.CatalogModel;
import io.ramify.chaos.check.CatalogOps;
import io.ramify.chaos.check.DeterministicModel.Transition;
import io.ramify.chaos.check.LinearizabilityChecker;
import io.ramify.chaos.check.LinearizabilityResult;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.Op;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The catalog workload's pure parts: its draws are what the model reads, a listing's names, and
 * the negative control: an altered read is found where the history forces a branch to be listed,
 * not where a concurrent delete or rename could explain its absence, and the checker rejects every
 * alteration it makes (over random histories of the workload's own draws, linearizable by
 * construction, with concurrency and indeterminate operations); a check that hit the search bound
 * makes the run UNKNOWN, not a pass.
 */
class CatalogWorkloadTest {
    private static final LinearizabilityChecker<CatalogModel.State> CHECKER =
            new LinearizabilityChecker<>(new CatalogModel());

    @Test
    void dropsABranchCreatedBeforeTheRead() {
        History h = History.builder()
                .invoke(0, CatalogOps.CREATE, CatalogOps.create("b1", "main"))
                .ok(0)
                .invoke(1, CatalogOps.READ, CatalogOps.read())
                .ok(1, Value.strings(List.of("b1", "main")))
                .build();
        CatalogControl.Altered a = CatalogControl.dropListedBranch(h).orElseThrow();
        assertTrue(a.what().contains("b1 dropped"), a.what());
        assertEquals(Value.strings(List.of("main")), a.history().ops().get(3).value());
        assertTrue(CHECKER.check(h).linearizable());
        assertEquals(
                LinearizabilityResult.Verdict.NOT_LINEARIZABLE,
                CHECKER.check(a.history()).verdict());
    }

    @Test
    void aConcurrentOrIndeterminateRemovalIsNoProofSoTheRootIsDroppedInstead() {
        History h = History.builder()
                .invoke(0, CatalogOps.CREATE, CatalogOps.create("b1", "main"))
                .ok(0)
                .invoke(2, CatalogOps.DELETE, CatalogOps.delete("b1"))
                .invoke(1, CatalogOps.READ, CatalogOps.read())
                .ok(1, Value.strings(List.of("b1", "main")))
                .info(2)
                .build();
        CatalogControl.Altered a = CatalogControl.dropListedBranch(h).orElseThrow();
        assertTrue(a.what().contains("main dropped"), a.what());
        assertEquals(
                LinearizabilityResult.Verdict.NOT_LINEARIZABLE,
                CHECKER.check(a.history()).verdict());
    }

    @Test
    void aRootRenamedBeforeTheReadCompletedIsNotForced() {
        History h = History.builder()
                .invoke(0, CatalogOps.RENAME, CatalogOps.rename("main", "b2"))
                .invoke(1, CatalogOps.READ, CatalogOps.read())
                .ok(1, Value.strings(List.of("main")))
                .ok(0)
                .build();
        assertTrue(CatalogControl.dropListedBranch(h).isEmpty());
    }

    @Test
    void aRemovalBeforeTheCreateDoesNotMatter() {
        History h = History.builder()
                .invoke(0, CatalogOps.CREATE, CatalogOps.create("b1", "main"))
                .ok(0)
                .invoke(0, CatalogOps.DELETE, CatalogOps.delete("b1"))
                .ok(0)
                .invoke(0, CatalogOps.RENAME, CatalogOps.rename("b2", "b1"))
                .fail(0, "NOT_FOUND")
                .invoke(1, CatalogOps.CREATE, CatalogOps.create("b1", "main"))
                .ok(1)
                .invoke(2, CatalogOps.READ, CatalogOps.read())
                .ok(2, Value.strings(List.of("b1", "main")))
                .build();
        CatalogControl.Altered a = CatalogControl.dropListedBranch(h).orElseThrow();
        assertTrue(a.what().contains("b1 dropped") && a.what().contains("#3 "), a.what());
    }

    @Test
    void everyAlterationOfRandomWorkloadHistoriesIsRejected() {
        int altered = 0;
        for (int seed = 0; seed < 200; seed++) {
            Random rnd = new Random(seed);
            History h = concurrent(rnd, 40 + rnd.nextInt(80), 1 + rnd.nextInt(4), 0.05);
            assertTrue(
                    CHECKER.check(h).linearizable(), "seed " + seed + ": the history is linearizable by construction");
            Optional<CatalogControl.Altered> a = CatalogControl.dropListedBranch(h);
            if (a.isPresent()) {
                altered++;
                LinearizabilityResult<CatalogModel.State> r =
                        CHECKER.check(a.get().history());
                assertEquals(
                        LinearizabilityResult.Verdict.NOT_LINEARIZABLE,
                        r.verdict(),
                        "seed " + seed + ": " + a.get().what());
            }
        }
        assertTrue(altered > 150, "alterations found in " + altered + " of 200 histories");
    }

    @Test
    void drawsAreWhatTheModelReads() {
        Random rnd = new Random(1);
        CatalogModel model = new CatalogModel();
        CatalogModel.State s = model.init();
        for (int i = 0; i < 2_000; i++) {
            CatalogWorkload.Call c =
                    CatalogWorkload.draw(rnd, List.copyOf(s.branches().keySet()));
            s = model.apply(s, c.f(), c.input()).next(); // throws on an input the model cannot read
            assertTrue(c.path().startsWith("/v1/projects/cat/branches"), c.path());
            assertEquals(
                    c.f().equals(CatalogOps.READ) || c.f().equals(CatalogOps.DELETE) || c.f().equals(CatalogOps.RESET),
                    c.body() == null,
                    c.toString());
        }
    }

    @Test
    void namesOfAListing() {
        byte[] listing = "[{\"name\":\"main\",\"protected\":false},{\"name\":\"b1\",\"parent\":\"main\"}]"
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of("main", "b1"), CatalogWorkload.names(listing));
        assertNull(CatalogWorkload.names("{\"code\":\"X\"}".getBytes(StandardCharsets.UTF_8)));
        assertNull(CatalogWorkload.names("[{\"nom\":1}]".getBytes(StandardCharsets.UTF_8)));
        assertFalse(CatalogWorkload.FUNCTIONS.contains("txn"));
    }

    @Test
    void aSearchThatHitItsBoundIsUnknownNotAPass() {
        CatalogWorkload.Verdict unknown = verdict(LinearizabilityResult.Verdict.UNKNOWN);
        ChaosRun.Result r =
                new ChaosRun.Result(1, "catalog", "[KILL]", 3, unknown, List.of(), List.of(), List.of(), "");
        assertFalse(r.ok());
        assertEquals("UNKNOWN", r.outcome());
        assertTrue(
                Results.json(r).contains("\"ok\":false") && Results.json(r).contains("\"linearizability\":\"UNKNOWN\""),
                Results.json(r));
        assertEquals(
                "FAIL",
                new ChaosRun.Result(
                                1,
                                "catalog",
                                "[KILL]",
                                3,
                                verdict(LinearizabilityResult.Verdict.NOT_LINEARIZABLE),
                                List.of(),
                                List.of(),
                                List.of(),
                                "")
                        .outcome());
        assertEquals(
                "FAIL",
                new ChaosRun.Result(
                                1,
                                "catalog",
                                "[KILL]",
                                3,
                                unknown,
                                List.of(),
                                List.of(),
                                List.of(),
                                "a part never recovered")
                        .outcome());
        assertEquals(
                "PASS",
                new ChaosRun.Result(
                                1,
                                "catalog",
                                "[KILL]",
                                3,
                                verdict(LinearizabilityResult.Verdict.LINEARIZABLE),
                                List.of(),
                                List.of(),
                                List.of(),
                                "")
                        .outcome());
    }

    private static CatalogWorkload.Verdict verdict(LinearizabilityResult.Verdict v) {
        return new CatalogWorkload.Verdict(
                10, 5, 3, 1, 1, java.util.Map.of("NOT_FOUND", 3), List.of(), "[main]", v, 7, 1, v.name());
    }

    private record Event(long time, int op, boolean invoke) {}

    /**
     * The workload's draws run through the model one after another (operation i at time 1000 i + 500),
     * each interval widened by up to {@code width} slots either way; {@code infoRate} of them end
     * indeterminate, half of those having taken effect.
     */
    private static History concurrent(Random rnd, int n, int width, double infoRate) {
        CatalogModel model = new CatalogModel();
        CatalogModel.State s = model.init();
        List<CatalogWorkload.Call> calls = new ArrayList<>();
        List<Outcome> outcomes = new ArrayList<>();
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CatalogWorkload.Call c =
                    CatalogWorkload.draw(rnd, List.copyOf(s.branches().keySet()));
            Transition<CatalogModel.State> t = model.apply(s, c.f(), c.input());
            boolean info = rnd.nextDouble() < infoRate;
            if (!info || rnd.nextBoolean()) {
                s = t.next();
            }
            calls.add(c);
            outcomes.add(info ? Outcome.UNKNOWN : t.outcome());
            long point = i * 1000L + 500;
            events.add(new Event(point - 1 - rnd.nextInt(width * 1000), i, true));
            events.add(new Event(point + 1 + rnd.nextInt(width * 1000), i, false));
        }
        events.sort(Comparator.comparingLong(Event::time).thenComparing(Event::invoke));
        TreeSet<Integer> free = new TreeSet<>();
        int[] process = new int[n];
        int processes = 0;
        List<Op> ops = new ArrayList<>();
        for (Event e : events) {
            CatalogWorkload.Call c = calls.get(e.op());
            long index = ops.size();
            if (e.invoke()) {
                process[e.op()] = free.isEmpty() ? processes++ : free.pollFirst();
                ops.add(Op.invoke(index, process[e.op()], c.f(), c.input()));
                continue;
            }
            free.add(process[e.op()]);
            ops.add(
                    switch (outcomes.get(e.op())) {
                        case Outcome.Ok ok ->
                            Op.ok(
                                    index,
                                    process[e.op()],
                                    c.f(),
                                    c.f().equals(CatalogOps.READ) ? ok.value() : c.input());
                        case Outcome.Fail fail ->
                            Op.fail(
                                    index,
                                    process[e.op()],
                                    c.f(),
                                    c.input(),
                                    fail.error().orElse(null));
                        case Outcome.Unknown u -> Op.info(index, process[e.op()], c.f(), c.input(), "timeout");
                    });
        }
        return History.of(ops);
    }
}
