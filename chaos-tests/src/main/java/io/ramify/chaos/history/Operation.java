package io.ramify.chaos.history;

import java.util.Objects;

/**
 * An invocation paired with its completion: what checkers work on.
 *
 * @param id position among the history's operations, in invocation order (0, 1, ...)
 * @param input the invocation's value
 * @param outcome the completion; {@link Outcome.Unknown} for {@code info} or a missing completion
 * @param invokeIndex the invocation's {@link Op#index}
 * @param completeIndex the completion's {@link Op#index}; {@link #OPEN} when indeterminate, because
 *     such an operation may take effect after everything that was recorded
 */
public record Operation(
        int id, int process, String f, Value input, Outcome outcome, long invokeIndex, long completeIndex) {

    /** The completion index of an indeterminate operation: after every recorded event. */
    public static final long OPEN = Long.MAX_VALUE;

    public Operation {
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(outcome, "outcome");
        if (completeIndex <= invokeIndex) {
            throw new IllegalArgumentException("operation " + id + " completes (" + completeIndex
                    + ") before it is invoked (" + invokeIndex + ")");
        }
        if ((outcome instanceof Outcome.Unknown) != (completeIndex == OPEN)) {
            throw new IllegalArgumentException("operation " + id + ": an open interval goes with an unknown outcome");
        }
    }

    public boolean indeterminate() {
        return outcome instanceof Outcome.Unknown;
    }

    /** Real-time order: this completed before {@code other} was invoked, so it must come first. */
    public boolean precedes(Operation other) {
        return completeIndex < other.invokeIndex;
    }

    /** The output when it completed OK. */
    public Value output() {
        if (outcome instanceof Outcome.Ok ok) {
            return ok.value();
        }
        throw new IllegalStateException("operation " + this + " did not complete OK");
    }

    @Override
    public String toString() {
        return "#" + id + " p" + process + " " + f + " " + input + " -> " + outcome + " [" + invokeIndex + ".."
                + (completeIndex == OPEN ? "" : Long.toString(completeIndex)) + "]";
    }
}
