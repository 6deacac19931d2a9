package io.ramify.common;

/**
 * A fencing number: each compute start on a timeline takes a higher one, and the log refuses ops
 * whose generation is lower than the highest it has accepted (docs/design.md rule 3).
 */
public record Generation(long value) implements Comparable<Generation> {
    public static final Generation NONE = new Generation(0);

    public Generation {
        if (value < 0) {
            throw new IllegalArgumentException("generation must be non-negative: " + value);
        }
    }

    public static Generation of(long value) {
        return new Generation(value);
    }

    @Override
    public int compareTo(Generation o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
