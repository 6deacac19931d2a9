package io.ramify.kv;

/**
 * The few storage operations the op-log core needs: point reads and a floor search. Keys compare
 * as unsigned bytes. Implementations: {@link RocksKv} (a snapshot of the live RocksDB) and
 * {@link MemKv} for unit tests of the pure core.
 */
public interface Kv {
    /** The value, or null. The caller owns the returned array. */
    byte[] get(byte[] key);

    /** The greatest entry with {@code lowInclusive <= key <= highInclusive}, or null. */
    Entry floor(byte[] lowInclusive, byte[] highInclusive);

    /** Entries with {@code from <= key < to} in key order, at most {@code limit} of them. */
    java.util.List<Entry> scan(byte[] from, byte[] to, int limit);

    record Entry(byte[] key, byte[] value) {}
}
