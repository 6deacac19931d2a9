package io.ramify.chaos.check;

import io.ramify.chaos.check.LinearizabilityResult.Verdict;
import io.ramify.chaos.history.History;
import io.ramify.chaos.history.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks that a history is linearizable with respect to a {@link Model}: that there is one order
 * of its operations, consistent with real time (an operation that completed before another was
 * invoked comes first), in which the model gives every observed outcome. Indeterminate operations
 * may be placed anywhere after their invocation, or left out.
 *
 * <p>Wing and Gong's backtracking search with memoization of (linearized set, state) pairs (see
 * {@link WingGongSearch}), run on each part the model splits the history into. The search is
 * exponential in the worst case (many concurrent operations whose order the model cannot tell
 * apart by state); {@link #CONFIGURATIONS_MAX} bounds it per part, and hitting the bound answers
 * UNKNOWN, never a guess.
 */
public final class LinearizabilityChecker<S> {
    /**
     * Distinct (linearized set, state) pairs explored per part before giving up. Each costs about
     * 200 bytes plus a bit per concurrent or indeterminate operation ({@link LinearizedSet}) plus its
     * state when the state is new (a catalog of a handful of branches: a few hundred bytes), so the
     * bound holds memory to roughly 100-300 MB whatever the history's length. Time: 2 to 20 µs a
     * configuration for the catalog on a 2-core machine (by its load), so the bound is reached in
     * seconds rather than minutes.
     */
    public static final long CONFIGURATIONS_MAX = 500_000;

    private final Model<S> model;
    private final long configurationsMax;

    public LinearizabilityChecker(Model<S> model) {
        this(model, CONFIGURATIONS_MAX);
    }

    public LinearizabilityChecker(Model<S> model, long configurationsMax) {
        if (configurationsMax < 1) {
            throw new IllegalArgumentException("configurationsMax " + configurationsMax + " must be positive");
        }
        this.model = model;
        this.configurationsMax = configurationsMax;
    }

    public LinearizabilityResult<S> check(History history) {
        return check(history.operations());
    }

    /**
     * Checks the operations (ids and indexes as {@link History#operations()} gives them). The verdict
     * is NOT_LINEARIZABLE if a part is (with that part's explanation), else UNKNOWN if a part hit the
     * bound, else LINEARIZABLE.
     */
    public LinearizabilityResult<S> check(List<Operation> operations) {
        List<List<Operation>> parts = model.partition(operations);
        long configurations = 0;
        boolean unknown = false;
        List<Operation> order = new ArrayList<>();
        for (List<Operation> part : parts) {
            LinearizabilityResult<S> r = new WingGongSearch<>(model, part, configurationsMax).run();
            configurations += r.configurations();
            switch (r.verdict()) {
                case NOT_LINEARIZABLE -> {
                    return new LinearizabilityResult<>(
                            Verdict.NOT_LINEARIZABLE, List.of(), r.failure(), configurations, parts.size());
                }
                case UNKNOWN -> unknown = true;
                case LINEARIZABLE -> order.addAll(r.linearization());
            }
        }
        return unknown
                ? new LinearizabilityResult<>(
                        Verdict.UNKNOWN, List.of(), Optional.empty(), configurations, parts.size())
                : new LinearizabilityResult<>(
                        Verdict.LINEARIZABLE, order, Optional.empty(), configurations, parts.size());
    }
}
