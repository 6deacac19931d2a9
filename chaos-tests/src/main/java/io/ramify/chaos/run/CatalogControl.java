package io.ramify.chaos.run;

import io.ramify.chaos.check.CatalogModel;
import io.ramify.chaos.check.CatalogOps;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.Op;
import io.ramify.chaos.history.Operation;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The catalog check's negative control: the run's own history with one acknowledged read altered
 * so that, by an argument independent of the checker, no order of the operations explains it; the
 * checker must answer NOT_LINEARIZABLE.
 *
 * <p>The alteration drops a branch {@code n} from a read {@code R} that must have listed it: an
 * operation {@code A} that adds {@code n} (create {@code n}, or rename to {@code n}) completed OK
 * before {@code R} was invoked, and every operation that may have removed {@code n} (a delete of
 * {@code n} or a rename of {@code n} that did not fail) either completed before {@code A} was
 * invoked or was invoked after {@code R} completed. In any order consistent with real time, then,
 * {@code A} comes before {@code R} and no removal between them, so {@code n} exists when {@code R}
 * reads, and a listing without it is impossible. (Nothing else removes a name: a branch with
 * children cannot be deleted, and renaming a parent changes its children's parent, not their
 * names.) The root counts as added at the start. The earliest such read is altered (the checker
 * then has the fewest operations to exhaust), a branch the workload created preferred to the root.
 */
final class CatalogControl {
    private CatalogControl() {}

    /** The altered history and what was altered, in words. */
    record Altered(History history, String what) {}

    static Optional<Altered> dropListedBranch(History h) {
        List<Operation> ops = h.operations();
        for (boolean root : new boolean[] {false, true}) {
            for (Operation read : ops) {
                if (!read.f().equals(CatalogOps.READ) || !(read.outcome() instanceof Outcome.Ok ok)) {
                    continue;
                }
                for (Value v : ok.value().items()) {
                    String name = v.text();
                    if (name.equals(CatalogModel.ROOT) != root) {
                        continue;
                    }
                    Optional<String> why = mustList(ops, read, name);
                    if (why.isPresent()) {
                        return Optional.of(new Altered(
                                drop(h, read, name),
                                "read #" + read.id() + " (p" + read.process()
                                        + ", events " + read.invokeIndex() + ".." + read.completeIndex() + ") listed "
                                        + ok.value() + "; "
                                        + name + " dropped from it, though " + why.get()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** Why {@code read} must have listed {@code name}, or empty when the history does not force it. */
    static Optional<String> mustList(List<Operation> ops, Operation read, String name) {
        List<Operation> removers = ops.stream().filter(o -> removes(o, name)).toList();
        if (name.equals(CatalogModel.ROOT) && removers.stream().allMatch(d -> d.invokeIndex() > read.completeIndex())) {
            return Optional.of(name + " is the root and nothing renamed it before the read completed");
        }
        for (Operation a : ops) {
            if (adds(a, name)
                    && a.precedes(read)
                    && removers.stream().allMatch(d -> d.precedes(a) || d.invokeIndex() > read.completeIndex())) {
                return Optional.of(a + " completed before the read began and no delete or rename of " + name
                        + " can come between them");
            }
        }
        return Optional.empty();
    }

    /** An acknowledged create of {@code name} or rename to it. */
    private static boolean adds(Operation o, String name) {
        if (!(o.outcome() instanceof Outcome.Ok)) {
            return false;
        }
        return switch (o.f()) {
            case CatalogOps.CREATE -> o.input().item(0, 2).text().equals(name);
            case CatalogOps.RENAME ->
                o.input().item(1, 2).text().equals(name)
                        && !o.input().item(0, 2).text().equals(name);
            default -> false;
        };
    }

    /** A delete of {@code name} or a rename of it to another name that did not definitely fail. */
    private static boolean removes(Operation o, String name) {
        if (o.outcome() instanceof Outcome.Fail) {
            return false;
        }
        return switch (o.f()) {
            case CatalogOps.DELETE -> o.input().text().equals(name);
            case CatalogOps.RENAME ->
                o.input().item(0, 2).text().equals(name)
                        && !o.input().item(1, 2).text().equals(name);
            default -> false;
        };
    }

    /** The history with {@code read}'s completion listing everything it listed but {@code name}. */
    private static History drop(History h, Operation read, String name) {
        List<Op> out = new ArrayList<>(h.ops().size());
        for (Op op : h.ops()) {
            if (op.index() == read.completeIndex()) {
                List<Value> kept = op.value().items().stream()
                        .filter(v -> !v.text().equals(name))
                        .toList();
                out.add(new Op(
                        op.index(), op.process(), op.type(), op.f(), Value.list(kept), op.error(), op.timeNanos()));
            } else {
                out.add(op);
            }
        }
        return History.of(out);
    }
}
