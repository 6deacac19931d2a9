package io.ramify.chaos.history;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One event of a history, as Jepsen records them: a client (process) invokes a function with a
 * value, and later the same process completes it: {@code OK} (it happened, with this result),
 * {@code FAIL} (it definitely did not happen; {@code error} says why, e.g. a refusal code) or
 * {@code INFO} (indeterminate: the client cannot know, e.g. a timeout).
 *
 * @param index position in the history, strictly increasing; real-time order is index order
 * @param process the client that did it; one operation at a time per process
 * @param f the function name ({@code create}, {@code read}, {@code txn}, ...)
 * @param value the input on an invocation, the result on a completion
 * @param error why it failed or is indeterminate (a refusal code, "timeout"), if known
 * @param timeNanos the wall time, for people reading the history; checkers use {@code index}
 */
public record Op(
        long index, int process, Type type, String f, Value value, Optional<String> error, OptionalLong timeNanos) {

    /** The kind of event. */
    public enum Type {
        INVOKE,
        OK,
        FAIL,
        INFO;

        public boolean isCompletion() {
            return this != INVOKE;
        }
    }

    public Op {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(timeNanos, "timeNanos");
        if (index < 0) {
            throw new IllegalArgumentException("index " + index + " is negative");
        }
    }

    public static Op invoke(long index, int process, String f, Value value) {
        return new Op(index, process, Type.INVOKE, f, value, Optional.empty(), OptionalLong.empty());
    }

    public static Op ok(long index, int process, String f, Value value) {
        return new Op(index, process, Type.OK, f, value, Optional.empty(), OptionalLong.empty());
    }

    public static Op fail(long index, int process, String f, Value value, String error) {
        return new Op(index, process, Type.FAIL, f, value, Optional.ofNullable(error), OptionalLong.empty());
    }

    public static Op info(long index, int process, String f, Value value, String error) {
        return new Op(index, process, Type.INFO, f, value, Optional.ofNullable(error), OptionalLong.empty());
    }

    public Op withTime(long nanos) {
        return new Op(index, process, type, f, value, error, OptionalLong.of(nanos));
    }

    @Override
    public String toString() {
        return Json.writeOp(this);
    }
}
