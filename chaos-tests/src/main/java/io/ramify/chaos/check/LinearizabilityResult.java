package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the {@link LinearizabilityChecker} found.
 *
 * @param verdict yes, no, or unknown (the search bound was hit: the history may be either)
 * @param linearization when linearizable, an order that explains the history (per part when the
 *     model partitions it: each part's order, one part after the other); else empty
 * @param failure when not linearizable, the explanation
 * @param configurations distinct (operations linearized, state) pairs explored, all parts together
 * @param parts how many independent parts the model split the history into
 * @param <S> the model's state
 */
public record LinearizabilityResult<S>(
        Verdict verdict, List<Operation> linearization, Optional<Failure<S>> failure, long configurations, int parts) {

    /** The answer. */
    public enum Verdict {
        LINEARIZABLE,
        NOT_LINEARIZABLE,
        UNKNOWN
    }

    public LinearizabilityResult {
        Objects.requireNonNull(verdict, "verdict");
        linearization = List.copyOf(linearization);
        Objects.requireNonNull(failure, "failure");
    }

    /**
     * Why a history (or one of its parts) is not linearizable, from the deepest point the search
     * reached: {@code prefix} linearizes (in this order, from the initial state) into {@code state},
     * and then {@code stuck} cannot be placed: its completion was reached without any remaining
     * order of the operations concurrent with it fitting the model. {@code expected} is what the
     * model would answer to it there.
     *
     * <p>The stuck operation is where the search gave up, not necessarily the one that misbehaved: an
     * earlier operation of the prefix may have returned the wrong thing (a stale read shows up as
     * the read being stuck; an acknowledged write that no read sees shows up as the read).
     */
    public record Failure<S>(List<Operation> prefix, Operation stuck, S state, String expected) {
        /** Operations of the prefix {@link #describe} shows: the last ones, where it went wrong. */
        public static final int PREFIX_SHOWN_MAX = 20;

        public Failure {
            prefix = List.copyOf(prefix);
        }

        /**
         * A report for people: the end of the prefix (its last {@link #PREFIX_SHOWN_MAX} operations,
         * one a line, in linearization order), then the stuck one, the state and the model's answer.
         */
        public String describe() {
            StringBuilder b = new StringBuilder("longest linearizable prefix (" + prefix.size() + " operations):\n");
            int from = Math.max(0, prefix.size() - PREFIX_SHOWN_MAX);
            if (from > 0) {
                b.append("  ... ").append(from).append(" earlier operations\n");
            }
            for (Operation op : prefix.subList(from, prefix.size())) {
                b.append("  ").append(op).append('\n');
            }
            b.append("cannot place: ").append(stuck).append('\n');
            b.append("model state there: ").append(state).append('\n');
            if (!expected.isEmpty()) {
                b.append("the model says: ").append(expected).append('\n');
            }
            return b.toString();
        }
    }

    public boolean linearizable() {
        return verdict == Verdict.LINEARIZABLE;
    }

    @Override
    public String toString() {
        return switch (verdict) {
            case LINEARIZABLE -> "linearizable (" + configurations + " configurations, " + parts + " parts)";
            case UNKNOWN -> "unknown: search bound hit after " + configurations + " configurations";
            case NOT_LINEARIZABLE ->
                "not linearizable\n" + failure.map(Failure::describe).orElse("");
        };
    }
}
