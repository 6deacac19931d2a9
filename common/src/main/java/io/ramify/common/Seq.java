package io.ramify.common;

/** An op's position in its timeline: 1, 2, 3, ... with no gaps. {@code Seq.NONE} (0) is "no op yet". */
public record Seq(long value) implements Comparable<Seq> {
    public static final Seq NONE = new Seq(0);

    public Seq {
        if (value < 0) {
            throw new IllegalArgumentException("seq must be non-negative: " + value);
        }
    }

    public static Seq of(long value) {
        return new Seq(value);
    }

    public Seq next() {
        return new Seq(value + 1);
    }

    @Override
    public int compareTo(Seq o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
