package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import java.util.List;
import java.util.Optional;

/**
 * A sequential specification for the {@link LinearizabilityChecker}: the states an object goes
 * through when operations are applied one at a time.
 *
 * <p>States must be immutable and have value {@code equals}/{@code hashCode}: the checker
 * remembers (set of operations linearized, state) pairs it has explored and prunes a search that
 * reaches one again, so two equal states must really allow the same futures.
 *
 * <p>Models are deterministic once the output is known, and also for an {@link
 * io.ramify.chaos.history.Outcome.Unknown unknown} output (an indeterminate operation has one effect
 * if it happened: its output is whatever the state gives). Whether it happened at all the checker
 * decides: an indeterminate operation may be linearized anywhere after its invocation, and leaving
 * it out is the same as placing it after everything else.
 *
 * @param <S> the state
 */
public interface Model<S> {
    S init();

    /**
     * The state after {@code op} when it is applied to {@code state} and gives {@code op}'s outcome;
     * empty when the outcome is impossible in {@code state}.
     */
    Optional<S> step(S state, Operation op);

    /**
     * Independent parts of a history (P-compositionality: a history is linearizable if and only if
     * each part is, when the parts touch disjoint objects, e.g. keys of a map). The default is one
     * part; a model must split only where no operation observes more than one part.
     */
    default List<List<Operation>> partition(List<Operation> operations) {
        return List.of(operations);
    }

    /** What the model would have answered to {@code op} in {@code state}, for failure reports. */
    default String explain(S state, Operation op) {
        return "";
    }
}
