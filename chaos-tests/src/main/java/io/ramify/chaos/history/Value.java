package io.ramify.chaos.history;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The value of an operation: what a client sent or got back. A small closed set of JSON-like
 * shapes (no objects, no fractions) so that histories stay flat, comparable with {@code equals} and
 * usable as model input without a JSON library: a transaction is a list of lists, a read of the
 * catalog a list of names.
 */
public sealed interface Value permits Value.Nil, Value.Bool, Value.Int, Value.Str, Value.Seq {
    /** No value (a read's invocation, say). */
    Nil NIL = new Nil();

    /** JSON {@code null}. */
    record Nil() implements Value {
        @Override
        public String toString() {
            return Json.write(this);
        }
    }

    /** JSON {@code true} / {@code false}. */
    record Bool(boolean value) implements Value {
        @Override
        public String toString() {
            return Json.write(this);
        }
    }

    /** A JSON integer (a whole number that fits a long). */
    record Int(long value) implements Value {
        @Override
        public String toString() {
            return Json.write(this);
        }
    }

    /** A JSON string. */
    record Str(String value) implements Value {
        public Str {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public String toString() {
            return Json.write(this);
        }
    }

    /** A JSON array; immutable. */
    record Seq(List<Value> items) implements Value {
        public Seq {
            items = List.copyOf(items);
        }

        @Override
        public String toString() {
            return Json.write(this);
        }
    }

    static Value of(String s) {
        return new Str(s);
    }

    static Value of(long n) {
        return new Int(n);
    }

    static Value of(boolean b) {
        return new Bool(b);
    }

    static Value list(Value... items) {
        return new Seq(Arrays.asList(items));
    }

    static Value list(Collection<? extends Value> items) {
        return new Seq(List.copyOf(items));
    }

    static Value strings(Collection<String> items) {
        return new Seq(items.stream().map(Value::of).toList());
    }

    static Value longs(Collection<Long> items) {
        return new Seq(items.stream().map(Value::of).toList());
    }

    /** The string this is; a clear error (naming the value) if it is something else. */
    default String text() {
        if (this instanceof Str s) {
            return s.value();
        }
        throw new IllegalArgumentException("expected a string, got " + this);
    }

    default long number() {
        if (this instanceof Int n) {
            return n.value();
        }
        throw new IllegalArgumentException("expected an integer, got " + this);
    }

    default boolean bool() {
        if (this instanceof Bool b) {
            return b.value();
        }
        throw new IllegalArgumentException("expected true or false, got " + this);
    }

    default List<Value> items() {
        if (this instanceof Seq s) {
            return s.items();
        }
        throw new IllegalArgumentException("expected a list, got " + this);
    }

    /** The {@code i}-th item of a list of at least {@code size} items. */
    default Value item(int i, int size) {
        List<Value> items = items();
        if (items.size() != size) {
            throw new IllegalArgumentException("expected a list of " + size + " items, got " + this);
        }
        return items.get(i);
    }
}
