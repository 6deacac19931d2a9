package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import io.ramify.chaos.history.Value;
import java.util.List;
import java.util.OptionalLong;

/**
 * What the {@link ListAppendChecker} found: no anomalies means valid.
 *
 * @param transactions how many transactions the history has
 * @param reads how many reads with a result were checked
 */
public record ListAppendResult(List<Anomaly> anomalies, int transactions, int reads) {
    /** The kinds of anomaly, with what each means. */
    public enum Kind {
        /** A read lists one value twice. */
        DUPLICATE,
        /** A read lists a value that no transaction appended to that key. */
        GARBAGE,
        /** A read lists a value whose transaction failed (G1a, an aborted read). */
        ABORTED_READ,
        /** A read lists a value whose transaction began only after the read completed. */
        FUTURE_READ,
        /** Two reads of a key that are not prefixes of one another: no single order of the key's appends. */
        INCOMPATIBLE_ORDER,
        /** An acknowledged append missing from a read that began after the append completed. */
        LOST_APPEND,
        /** A read that began after another completed sees a strict prefix of what that one saw. */
        STALE_READ,
        /** A transaction's read of a key does not end with the values it appended to that key before. */
        INTERNAL
    }

    /**
     * One anomaly.
     *
     * @param value the value concerned, if one is
     * @param ops the operations involved: the reader first, then the writer or the other reader
     */
    public record Anomaly(Kind kind, Value key, OptionalLong value, List<Operation> ops, String message) {
        public Anomaly {
            ops = List.copyOf(ops);
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder(
                    kind + " key " + key + (value.isPresent() ? " value " + value.getAsLong() : "") + ": " + message);
            for (Operation op : ops) {
                b.append("\n    ").append(op);
            }
            return b.toString();
        }
    }

    public ListAppendResult {
        anomalies = List.copyOf(anomalies);
    }

    public boolean valid() {
        return anomalies.isEmpty();
    }

    public List<Anomaly> of(Kind kind) {
        return anomalies.stream().filter(a -> a.kind() == kind).toList();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder((valid() ? "valid" : anomalies.size() + " anomalies") + " (" + transactions
                + " transactions, " + reads + " reads)");
        for (Anomaly a : anomalies) {
            b.append("\n  ").append(a);
        }
        return b.toString();
    }
}
