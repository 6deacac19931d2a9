package io.ramify.chaos.check;

import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The branches of one project as the REST API changes them: the sequential specification that
 * histories of branch operations are checked against. The state is the set of branches with each
 * one's parent and protection; timelines, LSNs, computes and sizes are not modelled (a reset keeps
 * a branch's name, parent and protection, so in this model it changes nothing and only its
 * refusals are observable).
 *
 * <p>Functions, inputs and outputs ({@link CatalogOps} builds the inputs):
 *
 * <ul>
 *   <li>{@code create [name, parent]}, {@code rename [from, to]}, {@code delete name}, {@code
 *       protect [name, bool]}, {@code reset name}: OK (the body is not compared), or {@code fail}
 *       with a {@link Code};
 *   <li>{@code read null}: OK with the list of branch names (compared as a sorted list).
 * </ul>
 *
 * <p>The rules, as read from the code. Every function looks its branch up first, and a lookup of a
 * name that is not a valid branch name is refused INVALID_NAME before NOT_FOUND ({@code
 * branch-catalog/.../core/Store.existingBranch} calls {@code Check.branchName}; the control plane
 * passes non-NOT_FOUND errors on). Names: {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,62}} ({@code
 * CatalogLimits.BRANCH_NAME}).
 *
 * <ul>
 *   <li><b>create</b> ({@code control-plane/.../ControlPlane.createBranch}, then {@code
 *       core/Branches.create}): INVALID_NAME (the new name), ALREADY_EXISTS, then the parent's
 *       lookup (INVALID_NAME, NOT_FOUND), then LIMIT_EXCEEDED at {@link #BRANCHES_MAX} ({@code
 *       Store.checkRoomForBranches}). The new branch is unprotected.
 *   <li><b>rename</b> ({@code ControlPlane.updateBranch}/{@code update}, then {@code
 *       Branches.rename}): the lookup of {@code from}; renaming to the same name is an OK that
 *       changes nothing (the control plane skips the catalog then); INVALID_NAME ({@code to});
 *       ALREADY_EXISTS. Protection does not matter: a protected branch, and the root, can be
 *       renamed. Children follow (their parent is renamed) and so does the project's default
 *       branch, so the root keeps its role under a new name.
 *   <li><b>delete</b> ({@code ControlPlane.deleteBranch}, {@code Branches.checkDeletable}): the
 *       lookup; IS_ROOT (the root, which is also the default branch: no operation here makes them
 *       differ), then PROTECTED, then HAS_CHILDREN. A protected root is IS_ROOT.
 *   <li><b>protect</b> ({@code core/BranchSettings.setProtected}): the lookup; otherwise OK,
 *       idempotent, the root too.
 *   <li><b>reset</b> ({@code ControlPlane.resetBranch}, then {@code Branches.reset}): the lookup;
 *       IS_ROOT; HAS_CHILDREN (the control plane checks it before forking); PROTECTED (only the
 *       catalog checks it, after the fork: so a protected branch with children answers
 *       HAS_CHILDREN, where the catalog alone would say PROTECTED).
 *   <li><b>read</b>: every branch's name ({@code GET /v1/projects/P/branches}).
 * </ul>
 *
 * <p>The control plane's per-name locks ({@code BranchLocks}: the branch exclusively, a new
 * branch's parent shared) make its checks and the catalog's command one atomic step for every pair
 * of operations that could interfere, which is what lets one operation be one step here.
 */
public final class CatalogModel implements DeterministicModel<CatalogModel.State> {
    /** Branches per project ({@code CatalogLimits.BRANCHES_PER_PROJECT_MAX}): LIMIT_EXCEEDED beyond. */
    public static final int BRANCHES_MAX = 1_000;

    /** The project's first branch, the root: created with the project, without a parent. */
    public static final String ROOT = "main";

    /** The longest branch name ({@code CatalogLimits.BRANCH_NAME}: 1 + 62 characters). */
    static final int NAME_CHARS_MAX = 63;

    /** The refusals the modelled operations can give, by their API code. */
    public enum Code {
        INVALID_NAME,
        NOT_FOUND,
        ALREADY_EXISTS,
        IS_ROOT,
        PROTECTED,
        HAS_CHILDREN,
        LIMIT_EXCEEDED
    }

    /** One branch: its parent ({@code null} for the root) and whether it is protected. */
    public record Branch(String parent, boolean isProtected) {
        public boolean isRoot() {
            return parent == null;
        }

        @Override
        public String toString() {
            return (parent == null ? "root" : "<-" + parent) + (isProtected ? " protected" : "");
        }
    }

    /**
     * The branches by name; immutable, with value equality. A class rather than a record to keep its
     * hash: the checker hashes a state for every configuration it explores.
     */
    public static final class State {
        private final SortedMap<String, Branch> branches;
        private final int hash;
        /** The listing a read gives, made on the first read of this state (states are shared). */
        private Value names;

        public State(SortedMap<String, Branch> branches) {
            this(new TreeMap<>(branches));
        }

        /** Takes {@code owned}, which nobody else changes. */
        private State(TreeMap<String, Branch> owned) {
            this.branches = Collections.unmodifiableSortedMap(owned);
            this.hash = owned.hashCode();
        }

        /** The branch names, sorted. */
        Value names() {
            Value n = names;
            if (n == null) {
                List<Value> items = new ArrayList<>(branches.size());
                for (String name : branches.keySet()) {
                    items.add(Value.of(name));
                }
                n = new Value.Seq(items);
                names = n;
            }
            return n;
        }

        public SortedMap<String, Branch> branches() {
            return branches;
        }

        public boolean has(String name) {
            return branches.containsKey(name);
        }

        boolean hasChildren(String name) {
            for (Branch b : branches.values()) {
                if (name.equals(b.parent())) {
                    return true;
                }
            }
            return false;
        }

        State with(String name, Branch b) {
            TreeMap<String, Branch> m = new TreeMap<>(branches);
            m.put(name, b);
            return new State(m);
        }

        State without(String name) {
            TreeMap<String, Branch> m = new TreeMap<>(branches);
            m.remove(name);
            return new State(m);
        }

        /** {@code from} becomes {@code to}; its children follow. */
        State renamed(String from, String to) {
            TreeMap<String, Branch> m = new TreeMap<>();
            branches.forEach((n, b) ->
                    m.put(n.equals(from) ? to : n, from.equals(b.parent()) ? new Branch(to, b.isProtected()) : b));
            return new State(m);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State other && other.hash == hash && other.branches.equals(branches);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return branches.toString();
        }
    }

    @Override
    public State init() {
        return new State(new TreeMap<>(java.util.Map.of(ROOT, new Branch(null, false))));
    }

    @Override
    public Transition<State> apply(State s, String f, Value in) {
        return switch (f) {
            case CatalogOps.CREATE ->
                create(s, in.item(0, 2).text(), in.item(1, 2).text());
            case CatalogOps.RENAME ->
                rename(s, in.item(0, 2).text(), in.item(1, 2).text());
            case CatalogOps.DELETE -> delete(s, in.text());
            case CatalogOps.PROTECT ->
                protect(s, in.item(0, 2).text(), in.item(1, 2).bool());
            case CatalogOps.RESET -> reset(s, in.text());
            case CatalogOps.READ -> ok(s, s.names());
            default -> throw new IllegalArgumentException("the catalog model has no function '" + f + "'");
        };
    }

    /** Mutations' bodies are not modelled; a listing is compared as a sorted list of names. */
    @Override
    public boolean okAgrees(String f, Value modelled, Value observed) {
        if (!f.equals(CatalogOps.READ)) {
            return true;
        }
        if (!(observed instanceof Value.Seq seq)
                || seq.items().size() != modelled.items().size()) {
            return false;
        }
        List<String> names = new ArrayList<>(seq.items().size());
        for (Value v : seq.items()) {
            if (!(v instanceof Value.Str str)) {
                return false;
            }
            names.add(str.value());
        }
        Collections.sort(names);
        for (int i = 0; i < names.size(); i++) {
            if (!names.get(i).equals(modelled.items().get(i).text())) {
                return false;
            }
        }
        return true;
    }

    private static Transition<State> create(State s, String name, String parent) {
        if (!valid(name)) {
            return refused(s, Code.INVALID_NAME);
        }
        if (s.has(name)) {
            return refused(s, Code.ALREADY_EXISTS);
        }
        Code lookup = lookup(s, parent);
        if (lookup != null) {
            return refused(s, lookup);
        }
        if (s.branches().size() + 1 > BRANCHES_MAX) {
            return refused(s, Code.LIMIT_EXCEEDED);
        }
        return ok(s.with(name, new Branch(parent, false)), Value.NIL);
    }

    private static Transition<State> rename(State s, String from, String to) {
        Code lookup = lookup(s, from);
        if (lookup != null) {
            return refused(s, lookup);
        }
        if (from.equals(to)) {
            return ok(s, Value.NIL);
        }
        if (!valid(to)) {
            return refused(s, Code.INVALID_NAME);
        }
        if (s.has(to)) {
            return refused(s, Code.ALREADY_EXISTS);
        }
        return ok(s.renamed(from, to), Value.NIL);
    }

    private static Transition<State> delete(State s, String name) {
        Code lookup = lookup(s, name);
        if (lookup != null) {
            return refused(s, lookup);
        }
        Branch b = s.branches().get(name);
        if (b.isRoot()) {
            return refused(s, Code.IS_ROOT);
        }
        if (b.isProtected()) {
            return refused(s, Code.PROTECTED);
        }
        if (s.hasChildren(name)) {
            return refused(s, Code.HAS_CHILDREN);
        }
        return ok(s.without(name), Value.NIL);
    }

    private static Transition<State> protect(State s, String name, boolean on) {
        Code lookup = lookup(s, name);
        if (lookup != null) {
            return refused(s, lookup);
        }
        Branch b = s.branches().get(name);
        return ok(s.with(name, new Branch(b.parent(), on)), Value.NIL);
    }

    private static Transition<State> reset(State s, String name) {
        Code lookup = lookup(s, name);
        if (lookup != null) {
            return refused(s, lookup);
        }
        Branch b = s.branches().get(name);
        if (b.isRoot()) {
            return refused(s, Code.IS_ROOT);
        }
        if (s.hasChildren(name)) {
            return refused(s, Code.HAS_CHILDREN);
        }
        if (b.isProtected()) {
            return refused(s, Code.PROTECTED);
        }
        return ok(s, Value.NIL);
    }

    /** The refusal of looking {@code name} up, or null when it exists. */
    private static Code lookup(State s, String name) {
        if (!valid(name)) {
            return Code.INVALID_NAME;
        }
        return s.has(name) ? null : Code.NOT_FOUND;
    }

    /**
     * {@code [A-Za-z0-9][A-Za-z0-9_.-]{0,62}}, by hand: the checker looks names up for every
     * operation it tries, and a regex there was the largest cost of a search.
     */
    static boolean valid(String name) {
        if (name.isEmpty() || name.length() > NAME_CHARS_MAX) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) {
                return false;
            }
        }
        return true;
    }

    private static Transition<State> ok(State s, Value out) {
        return new Transition<>(s, new Outcome.Ok(out));
    }

    private static Transition<State> refused(State s, Code code) {
        return new Transition<>(Objects.requireNonNull(s), Outcome.Fail.of(code.name()));
    }
}
