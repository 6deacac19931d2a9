package io.ramify.common;

/**
 * A PostgreSQL WAL position: a 64-bit byte offset into the WAL stream, printed the way Postgres
 * prints it ({@code 16/B374D848}: high and low 32 bits in upper-case hex).
 */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn ZERO = new Lsn(0);

    public Lsn {
        if (value < 0) {
            throw new IllegalArgumentException("LSN must be non-negative: " + value);
        }
    }

    public static Lsn of(long value) {
        return new Lsn(value);
    }

    /** Parses {@code 16/B374D848}; throws {@link IllegalArgumentException} with the input on error. */
    public static Lsn parse(String text) {
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("not an LSN (expected HIGH/LOW in hex, like 0/16B3748): '" + text + "'");
        }
        try {
            long hi = Long.parseLong(text.substring(0, slash), 16);
            long lo = Long.parseLong(text.substring(slash + 1), 16);
            if (hi < 0 || lo < 0 || hi > 0xFFFFFFFFL || lo > 0xFFFFFFFFL) {
                throw new NumberFormatException("part wider than 32 bits");
            }
            return new Lsn((hi << 32) | lo);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "not an LSN (expected HIGH/LOW in hex, like 0/16B3748): '" + text + "'", e);
        }
    }

    public Lsn plus(long bytes) {
        return new Lsn(value + bytes);
    }

    public boolean isBefore(Lsn other) {
        return value < other.value;
    }

    @Override
    public int compareTo(Lsn o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}
