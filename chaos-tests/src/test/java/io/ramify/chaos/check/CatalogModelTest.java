package io.ramify.chaos.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ramify.chaos.check.CatalogModel.State;
import io.ramify.chaos.check.DeterministicModel.Transition;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The catalog model's rules, one refusal at a time, in the order the control plane checks them. */
class CatalogModelTest {
    private final CatalogModel model = new CatalogModel();
    private State state = model.init();

    private Outcome run(String f, Value in) {
        Transition<State> t = model.apply(state, f, in);
        if (t.outcome() instanceof Outcome.Fail) {
            assertEquals(state, t.next(), "a refusal changes nothing");
        }
        state = t.next();
        return t.outcome();
    }

    private static Outcome ok() {
        return new Outcome.Ok(Value.NIL);
    }

    private static Outcome refused(String code) {
        return Outcome.Fail.of(code);
    }

    private List<Value> names() {
        return model.apply(state, CatalogOps.READ, CatalogOps.read()).outcome() instanceof Outcome.Ok ok
                ? ok.value().items()
                : List.of();
    }

    @Test
    void startsWithMainOnly() {
        assertEquals(List.of(Value.of("main")), names());
    }

    @Test
    void create() {
        assertEquals(ok(), run(CatalogOps.CREATE, CatalogOps.create("dev", "main")));
        assertEquals(refused("ALREADY_EXISTS"), run(CatalogOps.CREATE, CatalogOps.create("dev", "main")));
        assertEquals(refused("NOT_FOUND"), run(CatalogOps.CREATE, CatalogOps.create("x", "nope")));
        assertEquals(refused("INVALID_NAME"), run(CatalogOps.CREATE, CatalogOps.create("no spaces", "main")));
        assertEquals(refused("INVALID_NAME"), run(CatalogOps.CREATE, CatalogOps.create("x", "-bad")));
        // The name is checked before the parent: an existing name with a missing parent is ALREADY_EXISTS.
        assertEquals(refused("ALREADY_EXISTS"), run(CatalogOps.CREATE, CatalogOps.create("dev", "nope")));
        assertEquals(ok(), run(CatalogOps.CREATE, CatalogOps.create("feature", "dev")));
        assertEquals(List.of(Value.of("dev"), Value.of("feature"), Value.of("main")), names());
        assertEquals(new CatalogModel.Branch("dev", false), state.branches().get("feature"));
    }

    @Test
    void createStopsAtTheBranchLimit() {
        for (int i = 1; i < CatalogModel.BRANCHES_MAX; i++) {
            assertEquals(ok(), run(CatalogOps.CREATE, CatalogOps.create("b" + i, "main")));
        }
        assertEquals(refused("LIMIT_EXCEEDED"), run(CatalogOps.CREATE, CatalogOps.create("one-more", "main")));
        assertEquals(refused("NOT_FOUND"), run(CatalogOps.CREATE, CatalogOps.create("one-more", "nope")));
    }

    @Test
    void deleteRefusesRootThenProtectedThenParents() {
        run(CatalogOps.CREATE, CatalogOps.create("dev", "main"));
        run(CatalogOps.CREATE, CatalogOps.create("feature", "dev"));
        assertEquals(refused("IS_ROOT"), run(CatalogOps.DELETE, CatalogOps.delete("main")));
        assertEquals(refused("HAS_CHILDREN"), run(CatalogOps.DELETE, CatalogOps.delete("dev")));
        assertEquals(ok(), run(CatalogOps.PROTECT, CatalogOps.protect("dev", true)));
        assertEquals(refused("PROTECTED"), run(CatalogOps.DELETE, CatalogOps.delete("dev")));
        assertEquals(ok(), run(CatalogOps.PROTECT, CatalogOps.protect("main", true)));
        assertEquals(refused("IS_ROOT"), run(CatalogOps.DELETE, CatalogOps.delete("main")));
        assertEquals(refused("NOT_FOUND"), run(CatalogOps.DELETE, CatalogOps.delete("nope")));
        assertEquals(ok(), run(CatalogOps.DELETE, CatalogOps.delete("feature")));
        assertEquals(ok(), run(CatalogOps.PROTECT, CatalogOps.protect("dev", false)));
        assertEquals(ok(), run(CatalogOps.DELETE, CatalogOps.delete("dev")));
        assertEquals(List.of(Value.of("main")), names());
    }

    @Test
    void renameMovesChildrenAndKeepsProtectionAndRoot() {
        run(CatalogOps.CREATE, CatalogOps.create("dev", "main"));
        run(CatalogOps.CREATE, CatalogOps.create("feature", "dev"));
        run(CatalogOps.PROTECT, CatalogOps.protect("dev", true));
        assertEquals(ok(), run(CatalogOps.RENAME, CatalogOps.rename("dev", "staging")));
        assertEquals(new CatalogModel.Branch("staging", false), state.branches().get("feature"));
        assertEquals(new CatalogModel.Branch("main", true), state.branches().get("staging"));
        assertEquals(refused("ALREADY_EXISTS"), run(CatalogOps.RENAME, CatalogOps.rename("staging", "feature")));
        assertEquals(refused("NOT_FOUND"), run(CatalogOps.RENAME, CatalogOps.rename("dev", "x")));
        assertEquals(refused("INVALID_NAME"), run(CatalogOps.RENAME, CatalogOps.rename("staging", "a b")));
        // To the same name: the control plane answers OK without asking the catalog.
        assertEquals(ok(), run(CatalogOps.RENAME, CatalogOps.rename("staging", "staging")));
        // The root can be renamed; it stays the root (the default branch follows).
        assertEquals(ok(), run(CatalogOps.RENAME, CatalogOps.rename("main", "trunk")));
        assertEquals(new CatalogModel.Branch("trunk", true), state.branches().get("staging"));
        assertEquals(refused("IS_ROOT"), run(CatalogOps.DELETE, CatalogOps.delete("trunk")));
        assertEquals(refused("NOT_FOUND"), run(CatalogOps.CREATE, CatalogOps.create("x", "main")));
    }

    @Test
    void resetRefusesRootThenChildrenThenProtected() {
        run(CatalogOps.CREATE, CatalogOps.create("dev", "main"));
        assertEquals(ok(), run(CatalogOps.RESET, CatalogOps.reset("dev")));
        assertEquals(refused("IS_ROOT"), run(CatalogOps.RESET, CatalogOps.reset("main")));
        assertEquals(refused("NOT_FOUND"), run(CatalogOps.RESET, CatalogOps.reset("nope")));
        run(CatalogOps.PROTECT, CatalogOps.protect("dev", true));
        assertEquals(refused("PROTECTED"), run(CatalogOps.RESET, CatalogOps.reset("dev")));
        run(CatalogOps.CREATE, CatalogOps.create("feature", "dev"));
        // The control plane checks children before the catalog checks protection.
        assertEquals(refused("HAS_CHILDREN"), run(CatalogOps.RESET, CatalogOps.reset("dev")));
    }

    @Test
    void protectNeedsTheBranch() {
        assertEquals(refused("NOT_FOUND"), run(CatalogOps.PROTECT, CatalogOps.protect("nope", true)));
        assertEquals(ok(), run(CatalogOps.PROTECT, CatalogOps.protect("main", true)));
        assertEquals(ok(), run(CatalogOps.PROTECT, CatalogOps.protect("main", true)));
    }

    @Test
    void readIsComparedAsASetOfNames() {
        assertEquals(
                true,
                model.okAgrees(
                        CatalogOps.READ, Value.strings(List.of("a", "main")), Value.strings(List.of("main", "a"))));
        assertEquals(
                false,
                model.okAgrees(
                        CatalogOps.READ,
                        Value.strings(List.of("a", "main")),
                        Value.strings(List.of("main", "a", "a"))));
        assertEquals(false, model.okAgrees(CatalogOps.READ, Value.strings(List.of("main")), Value.of("main")));
    }

    /** The hand-written name check is the catalog's pattern ({@code CatalogLimits.BRANCH_NAME}). */
    @Test
    void namesAreValidExactlyAsTheCatalogsPattern() {
        java.util.regex.Pattern catalogs = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
        List<String> names = List.of(
                "",
                "a",
                "Z9",
                "9",
                "a-b.c_d",
                "-a",
                "_a",
                ".a",
                "a b",
                "a/b",
                "é",
                "aé",
                "a".repeat(63),
                "a".repeat(64),
                "a\n",
                "A-");
        for (String n : names) {
            assertEquals(catalogs.matcher(n).matches(), CatalogModel.valid(n), n);
        }
    }

    @Test
    void unknownFunctionIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> model.apply(state, "merge", Value.NIL));
    }
}
