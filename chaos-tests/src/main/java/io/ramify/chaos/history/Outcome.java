package io.ramify.chaos.history;

import java.util.Objects;
import java.util.Optional;

/** How an operation ended, as far as its client knows. */
public sealed interface Outcome permits Outcome.Ok, Outcome.Fail, Outcome.Unknown {
    Unknown UNKNOWN = new Unknown();

    /** It took effect, and returned {@code value}. */
    record Ok(Value value) implements Outcome {
        public Ok {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return "ok " + value;
        }
    }

    /**
     * It did not take effect. {@code error} is the refusal's code when the system gave one (which a
     * model may check: a refusal is an observation of the state); empty when the client only knows
     * that nothing happened (the request never left, say).
     */
    record Fail(Optional<String> error) implements Outcome {
        public Fail {
            Objects.requireNonNull(error, "error");
        }

        public static Fail of(String code) {
            return new Fail(Optional.of(code));
        }

        @Override
        public String toString() {
            return "fail " + error.orElse("(no code)");
        }
    }

    /**
     * Indeterminate ({@code info}, or never completed): it may have taken effect at any point after
     * its invocation, even after the client gave up, or never.
     */
    record Unknown() implements Outcome {
        @Override
        public String toString() {
            return "unknown";
        }
    }
}
