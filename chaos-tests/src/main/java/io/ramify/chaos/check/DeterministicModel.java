package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.Optional;

/**
 * A model with one answer per state and input: {@link #apply} says what the object does, and
 * {@link #step} accepts an observed outcome when it agrees with that answer.
 *
 * <p>Outcomes: an indeterminate operation takes the modelled effect; a refusal without a code
 * ({@code fail} with no error: the client only knows nothing happened) has no effect and shows
 * nothing, so it fits anywhere; a refusal with a code must be the refusal the model gives.
 *
 * @param <S> the state
 */
public interface DeterministicModel<S> extends Model<S> {
    /** What applying a function does: the next state and the answer. */
    record Transition<S>(S next, Outcome outcome) {}

    Transition<S> apply(S state, String f, Value input);

    /**
     * Whether an observed OK result agrees with the modelled one; equality by default. Models
     * override it where results carry more than the model tracks (a branch's body) or where order
     * does not matter (a listing).
     */
    default boolean okAgrees(String f, Value modelled, Value observed) {
        return modelled.equals(observed);
    }

    @Override
    default Optional<S> step(S state, Operation op) {
        if (op.outcome() instanceof Outcome.Fail fail && fail.error().isEmpty()) {
            return Optional.of(state);
        }
        Transition<S> t = apply(state, op.f(), op.input());
        return agrees(op.f(), t.outcome(), op.outcome()) ? Optional.of(t.next()) : Optional.empty();
    }

    @Override
    default String explain(S state, Operation op) {
        return op.f() + " " + op.input() + " would give "
                + apply(state, op.f(), op.input()).outcome();
    }

    private boolean agrees(String f, Outcome modelled, Outcome observed) {
        return switch (observed) {
            case Outcome.Unknown u -> true;
            case Outcome.Ok ok -> modelled instanceof Outcome.Ok m && okAgrees(f, m.value(), ok.value());
            case Outcome.Fail fail ->
                modelled instanceof Outcome.Fail m && m.error().equals(fail.error());
        };
    }
}
