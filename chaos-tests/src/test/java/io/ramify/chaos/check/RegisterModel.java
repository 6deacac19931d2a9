package io.ramify.chaos.check;

import io.ramify.chaos.history.Operation;
import io.ramify.chaos.history.Outcome;
import io.ramify.chaos.history.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Textbook registers under string keys, each starting at 0: {@code write [k, v]} (OK), {@code read
 * k} (OK with the value), {@code cas [k, from, to]} (OK, or fail MISMATCH). Keys are independent,
 * so the model may partition a history by key; {@code partitioned == false} checks it whole, which
 * the tests use to see that partitioning does not change verdicts.
 */
final class RegisterModel implements DeterministicModel<RegisterModel.Registers> {
    static final String WRITE = "write";
    static final String READ = "read";
    static final String CAS = "cas";
    static final String KEY = "x";

    private final boolean partitioned;

    RegisterModel(boolean partitioned) {
        this.partitioned = partitioned;
    }

    /** The registers' values; a key absent holds 0. */
    record Registers(SortedMap<String, Long> values) {
        Registers {
            values = Collections.unmodifiableSortedMap(new TreeMap<>(values));
        }

        long get(String k) {
            return values.getOrDefault(k, 0L);
        }

        Registers with(String k, long v) {
            TreeMap<String, Long> m = new TreeMap<>(values);
            m.put(k, v);
            return new Registers(m);
        }
    }

    static Value write(String k, long v) {
        return Value.list(Value.of(k), Value.of(v));
    }

    static Value read(String k) {
        return Value.of(k);
    }

    static Value cas(String k, long from, long to) {
        return Value.list(Value.of(k), Value.of(from), Value.of(to));
    }

    @Override
    public Registers init() {
        return new Registers(new TreeMap<>());
    }

    @Override
    public Transition<Registers> apply(Registers s, String f, Value in) {
        return switch (f) {
            case WRITE ->
                new Transition<>(s.with(in.item(0, 2).text(), in.item(1, 2).number()), new Outcome.Ok(in));
            case READ -> new Transition<>(s, new Outcome.Ok(Value.of(s.get(in.text()))));
            case CAS ->
                s.get(in.item(0, 3).text()) == in.item(1, 3).number()
                        ? new Transition<>(
                                s.with(in.item(0, 3).text(), in.item(2, 3).number()), new Outcome.Ok(in))
                        : new Transition<>(s, Outcome.Fail.of("MISMATCH"));
            default -> throw new IllegalArgumentException("no register function " + f);
        };
    }

    @Override
    public List<List<Operation>> partition(List<Operation> operations) {
        if (!partitioned) {
            return List.of(operations);
        }
        Map<String, List<Operation>> byKey = new LinkedHashMap<>();
        for (Operation op : operations) {
            String key = op.input() instanceof Value.Seq s
                    ? s.items().get(0).text()
                    : op.input().text();
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(op);
        }
        return List.copyOf(byKey.values());
    }
}
