package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import java.util.List;
import java.util.Optional;

/**
 * The definition of linearizability, searched exhaustively: some order of the operations that
 * respects real time (an operation that completed before another was invoked comes first) in which
 * the model gives every observed outcome; indeterminate operations may be left out (the same as
 * coming last). Every order is tried (no memoization, no event list), so it is independent of the
 * checker's search and only usable on a handful of operations.
 */
final class BruteForce {
    private BruteForce() {}

    static <S> boolean linearizable(Model<S> model, List<Operation> ops) {
        int determinate = (int) ops.stream().filter(o -> !o.indeterminate()).count();
        return search(model, ops, model.init(), new boolean[ops.size()], determinate);
    }

    private static <S> boolean search(Model<S> model, List<Operation> ops, S state, boolean[] placed, int left) {
        if (left == 0) {
            return true;
        }
        for (int i = 0; i < ops.size(); i++) {
            if (placed[i] || !minimal(ops, placed, i)) {
                continue;
            }
            Optional<S> next = model.step(state, ops.get(i));
            if (next.isEmpty()) {
                continue;
            }
            placed[i] = true;
            boolean found =
                    search(model, ops, next.get(), placed, left - (ops.get(i).indeterminate() ? 0 : 1));
            placed[i] = false;
            if (found) {
                return true;
            }
        }
        return false;
    }

    /** No operation still to place completed before {@code i} was invoked. */
    private static boolean minimal(List<Operation> ops, boolean[] placed, int i) {
        for (int j = 0; j < ops.size(); j++) {
            if (!placed[j] && j != i && ops.get(j).precedes(ops.get(i))) {
                return false;
            }
        }
        return true;
    }
}
