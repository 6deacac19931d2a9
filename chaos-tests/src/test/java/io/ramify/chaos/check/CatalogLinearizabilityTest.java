package io.ramify.chaos.check;

import static io.ramify.chaos.check.CatalogOps.CREATE;
import static io.ramify.chaos.check.CatalogOps.DELETE;
import static io.ramify.chaos.check.CatalogOps.READ;
import static io.ramify.chaos.check.CatalogOps.RENAME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.chaos.check.CatalogModel.State;
import io.ramify.chaos.check.LinearizabilityResult.Verdict;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.JsonLines;
import io.ramify.chaos.history.Value;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Catalog histories written by hand: concurrent ones that are fine, and negative controls (a stale
 * read, an acknowledgement that cannot have happened, a wrong refusal) that must be rejected.
 */
class CatalogLinearizabilityTest {
    private final LinearizabilityChecker<State> checker = new LinearizabilityChecker<>(new CatalogModel());

    private static Value names(String... names) {
        return Value.strings(List.of(names));
    }

    @Test
    void concurrentHistoryIsAccepted() {
        History h = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .invoke(1, CREATE, CatalogOps.create("dev", "main"))
                .invoke(2, READ, CatalogOps.read())
                .ok(0)
                .ok(2, names("main", "dev"))
                .fail(1, "ALREADY_EXISTS")
                .invoke(0, CREATE, CatalogOps.create("feature", "dev"))
                .invoke(1, DELETE, CatalogOps.delete("dev"))
                .invoke(2, READ, CatalogOps.read())
                .ok(0)
                .fail(1, "HAS_CHILDREN")
                .ok(2, names("dev", "main"))
                .invoke(0, READ, CatalogOps.read())
                .ok(0, names("dev", "feature", "main"))
                .build();
        assertVerdict(Verdict.LINEARIZABLE, h);
    }

    /** A read that began after a create completed does not list the branch. */
    @Test
    void staleReadIsRejected() {
        History h = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .ok(0)
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("main"))
                .build();
        LinearizabilityResult<State> r = assertVerdict(Verdict.NOT_LINEARIZABLE, h);
        LinearizabilityResult.Failure<State> f = r.failure().orElseThrow();
        assertEquals(List.of(h.operations().get(0)), f.prefix(), f.describe());
        assertEquals(h.operations().get(1), f.stuck());
        assertTrue(f.state().has("dev"));
        assertTrue(f.describe().contains("would give ok [\"dev\",\"main\"]"), f.describe());
        // The same read while the create is in flight may miss it.
        History concurrent = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("main"))
                .ok(0)
                .build();
        assertVerdict(Verdict.LINEARIZABLE, concurrent);
    }

    /** A corrupted history: one create acknowledged twice, not overlapping, nothing deleted between. */
    @Test
    void createAcknowledgedTwiceIsRejected() {
        History h = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .ok(0)
                .invoke(1, CREATE, CatalogOps.create("dev", "main"))
                .ok(1)
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, h);
        History deletedBetween = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .ok(0)
                .invoke(2, DELETE, CatalogOps.delete("dev"))
                .ok(2)
                .invoke(1, CREATE, CatalogOps.create("dev", "main"))
                .ok(1)
                .build();
        assertVerdict(Verdict.LINEARIZABLE, deletedBetween);
    }

    /** A refusal is an observation too: deleting main answers IS_ROOT, never PROTECTED. */
    @Test
    void wrongRefusalIsRejected() {
        History h = History.builder()
                .invoke(0, CatalogOps.PROTECT, CatalogOps.protect("main", true))
                .ok(0)
                .invoke(0, DELETE, CatalogOps.delete("main"))
                .fail(0, "PROTECTED")
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, h);
    }

    /** A parent deleted while its child exists: the acknowledgement cannot have happened. */
    @Test
    void deleteOfAParentAcknowledgedIsRejected() {
        History h = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .ok(0)
                .invoke(0, CREATE, CatalogOps.create("feature", "dev"))
                .ok(0)
                .invoke(1, DELETE, CatalogOps.delete("dev"))
                .ok(1)
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, h);
    }

    /** A create that timed out may have happened or not: later reads may show either, but not both in turn. */
    @Test
    void indeterminateCreateIsAcceptedBothWays() {
        for (Value seen : List.of(names("main"), names("dev", "main"))) {
            History h = History.builder()
                    .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                    .info(0)
                    .invoke(1, READ, CatalogOps.read())
                    .ok(1, seen)
                    .build();
            assertVerdict(Verdict.LINEARIZABLE, h);
        }
        History flicker = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .info(0)
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("dev", "main"))
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("main"))
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, flicker);
        // A retry that succeeded means the first attempt had not happened by then (else ALREADY_EXISTS);
        // it may still land later and be refused, which nobody sees.
        History retried = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .info(0)
                .invoke(1, CREATE, CatalogOps.create("dev", "main"))
                .ok(1)
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("dev", "main"))
                .build();
        assertVerdict(Verdict.LINEARIZABLE, retried);
    }

    /** Readers around a rename see the old name, then the new one; never back. */
    @Test
    void renameIsSeenInOrder() {
        History fine = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .ok(0)
                .invoke(0, RENAME, CatalogOps.rename("dev", "staging"))
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("dev", "main"))
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("main", "staging"))
                .ok(0)
                .build();
        assertVerdict(Verdict.LINEARIZABLE, fine);
        History backwards = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .ok(0)
                .invoke(0, RENAME, CatalogOps.rename("dev", "staging"))
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("main", "staging"))
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("dev", "main"))
                .ok(0)
                .build();
        assertVerdict(Verdict.NOT_LINEARIZABLE, backwards);
    }

    /** The history read back from JSON lines gets the same verdict. */
    @Test
    void historyFromAFile(@TempDir Path dir) throws Exception {
        History h = History.builder()
                .invoke(0, CREATE, CatalogOps.create("dev", "main"))
                .ok(0)
                .invoke(1, READ, CatalogOps.read())
                .ok(1, names("main"))
                .build();
        Path file = dir.resolve("history.jsonl");
        JsonLines.write(h, file);
        History back = JsonLines.read(file);
        assertEquals(h, back);
        assertEquals(Verdict.NOT_LINEARIZABLE, checker.check(back).verdict());
    }

    private LinearizabilityResult<State> assertVerdict(Verdict expected, History h) {
        LinearizabilityResult<State> r = checker.check(h);
        assertEquals(expected, r.verdict(), () -> r + "\n" + h);
        assertEquals(
                expected == Verdict.LINEARIZABLE,
                BruteForce.linearizable(new CatalogModel(), h.operations()),
                "brute force disagrees on\n" + h);
        return r;
    }
}
