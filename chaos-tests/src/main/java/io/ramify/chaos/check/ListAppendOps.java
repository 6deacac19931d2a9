package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Transactions of list-append histories, Elle's format: the value of a {@code txn} operation is a
 * list of micro-operations, {@code ["append", key, 3]} and {@code ["r", key, null]}; its OK
 * completion has the same list with each read's result filled in, {@code ["r", key, [1, 2, 3]]}.
 * Keys are strings or integers; appended values are integers, unique per key.
 */
public final class ListAppendOps {
    public static final String TXN = "txn";
    static final String APPEND = "append";
    static final String READ = "r";

    private ListAppendOps() {}

    /** A micro-operation. */
    public sealed interface Micro permits Append, Read {
        Value key();
    }

    /** Appends {@code value} to the list at {@code key}. */
    public record Append(Value key, long value) implements Micro {}

    /** Reads the list at {@code key}; {@code values} is empty when the result is not known. */
    public record Read(Value key, Optional<List<Long>> values) implements Micro {
        public Read {
            values = values.map(List::copyOf);
        }
    }

    public static Value append(Value key, long value) {
        return Value.list(Value.of(APPEND), key, Value.of(value));
    }

    public static Value read(Value key) {
        return Value.list(Value.of(READ), key, Value.NIL);
    }

    public static Value read(Value key, List<Long> values) {
        return Value.list(Value.of(READ), key, Value.longs(values));
    }

    public static Value txn(Value... micro) {
        return Value.list(micro);
    }

    /**
     * The micro-operations as the transaction's client knows them: with the reads' results when it
     * completed OK, as invoked otherwise (a failed or indeterminate transaction's reads tell nothing).
     */
    public static List<Micro> micros(Operation op) {
        if (!op.f().equals(TXN)) {
            throw new IllegalArgumentException("not a transaction: " + op);
        }
        Value v = op.outcome() instanceof Outcome.Ok ok ? ok.value() : op.input();
        List<Micro> out = new ArrayList<>();
        for (Value m : v.items()) {
            out.add(parse(m, op.outcome() instanceof Outcome.Ok));
        }
        return out;
    }

    private static Micro parse(Value m, boolean completed) {
        String kind = m.item(0, 3).text();
        Value key = m.item(1, 3);
        Value arg = m.item(2, 3);
        if (!(key instanceof Value.Str) && !(key instanceof Value.Int)) {
            throw new IllegalArgumentException("a key is a string or an integer, not " + key + " in " + m);
        }
        return switch (kind) {
            case APPEND -> new Append(key, arg.number());
            case READ ->
                new Read(
                        key,
                        completed
                                ? Optional.of(
                                        arg.items().stream().map(Value::number).toList())
                                : Optional.empty());
            default -> throw new IllegalArgumentException("micro-operation " + m + " is neither append nor r");
        };
    }
}
