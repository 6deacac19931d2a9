package io.ramify.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link Writes} as its javadoc states it: the writes of one entry, kept in order, readable before
 * they are committed (read-your-writes over a base {@link Kv}), and leaving the base untouched
 * until committed, so dropping them changes nothing. Committed here with {@link MemKv#commit}, which
 * applies {@link Writes#log()} in order as the RocksDB batch does.
 */
class WritesTest {
    private static byte[] k(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return b;
    }

    private static MemKv base(byte[]... keyValues) {
        MemKv kv = new MemKv();
        Writes w = new Writes(kv);
        for (int i = 0; i < keyValues.length; i += 2) {
            w.put(keyValues[i], keyValues[i + 1]);
        }
        kv.commit(w);
        return kv;
    }

    /**
     * Reads see the batch's own puts and deletes first, then the base; the base is unchanged until
     * commit. Negative control: returning the tombstone's base value in {@code get} (dropping the
     * {@code v == TOMBSTONE ? null} branch) made a deleted key read as present, and this failed.
     */
    @Test
    void readsSeeTheBatchOverTheBaseAndTheBaseStaysUntouched() {
        MemKv base = base(k(1), k(10), k(2), k(20), k(5), k(50));
        Writes w = new Writes(base);
        w.put(k(1), k(11)); // overwrite
        w.delete(k(2)); // delete a base key
        w.put(k(3), k(33)); // new key
        w.delete(k(4)); // delete of an absent key

        assertArrayEquals(k(11), w.get(k(1)));
        assertNull(w.get(k(2)), "a deleted key reads as absent although the base has it");
        assertArrayEquals(k(33), w.get(k(3)));
        assertNull(w.get(k(4)));
        assertArrayEquals(k(50), w.get(k(5)), "untouched keys read from the base");
        assertNull(w.get(k(6)));

        // Not committed: the base is as it was (a refused entry's writes are simply dropped).
        assertArrayEquals(k(10), base.get(k(1)));
        assertArrayEquals(k(20), base.get(k(2)));
        assertNull(base.get(k(3)));
    }

    /** The last write of a key wins, in both directions. */
    @Test
    void theLastWriteOfAKeyWins() {
        MemKv base = base(k(7), k(70));
        Writes w = new Writes(base);
        w.put(k(7), k(71));
        w.delete(k(7));
        assertNull(w.get(k(7)));
        w.put(k(7), k(72));
        assertArrayEquals(k(72), w.get(k(7)));
        w.delete(k(7));
        w.put(k(8), k(80));
        w.put(k(8), k(81));
        assertNull(w.get(k(7)));
        assertArrayEquals(k(81), w.get(k(8)));
        base.commit(w);
        assertNull(base.get(k(7)));
        assertArrayEquals(k(81), base.get(k(8)));
    }

    /**
     * Keys are compared by content (unsigned bytes), not by array identity. Negative control:
     * ordering {@code pending} by identity hash instead of {@code Arrays::compareUnsigned} made the
     * lookup with an equal but distinct array miss, and this failed.
     */
    @Test
    void keysAreComparedByContent() {
        Writes w = new Writes(new MemKv());
        w.put(k(0x80, 1), k(1));
        w.put(k(0x7f, 1), k(2));
        assertArrayEquals(k(1), w.get(k(0x80, 1)));
        assertArrayEquals(k(2), w.get(k(0x7f, 1)));
        w.delete(k(0x80, 1));
        assertNull(w.get(k(0x80, 1)));
        assertArrayEquals(k(2), w.get(k(0x7f, 1)));
    }

    /**
     * The caller owns what {@code get} returns ({@link Kv#get}): changing it does not change the
     * batch. Negative control: returning the stored array without {@code clone()} made the second
     * read see the change, and this failed.
     */
    @Test
    void getReturnsACopy() {
        Writes w = new Writes(new MemKv());
        w.put(k(1), k(1, 2, 3));
        w.get(k(1))[0] = 99;
        assertArrayEquals(k(1, 2, 3), w.get(k(1)));
    }

    /**
     * The log holds every write once, in call order, with range deletes carrying their end.
     * Negative control: dropping the {@code log.add} of {@code delete} failed this.
     */
    @Test
    void theLogHoldsEveryWriteInOrder() {
        Writes w = new Writes(new MemKv());
        assertTrue(w.isEmpty());
        w.put(k(2), k(20));
        w.delete(k(1));
        w.deleteRange(k(3), k(9));
        w.put(k(2), k(21));
        assertFalse(w.isEmpty());

        List<Writes.Write> log = w.log();
        assertEquals(4, log.size());
        assertWrite(log.get(0), k(2), k(20), null);
        assertFalse(log.get(0).isDelete());
        assertWrite(log.get(1), k(1), null, null);
        assertTrue(log.get(1).isDelete());
        assertWrite(log.get(2), k(3), null, k(9));
        assertTrue(log.get(2).isDelete());
        assertWrite(log.get(3), k(2), k(21), null);
    }

    private static void assertWrite(Writes.Write w, byte[] key, byte[] value, byte[] end) {
        assertArrayEquals(key, w.key());
        assertArrayEquals(value, w.value());
        assertArrayEquals(end, w.end());
    }

    /**
     * Order matters when committed: a put before a range delete that covers it is gone, a put after
     * it stays. {@code deleteRange} covers {@code [from, to)} in unsigned order (0x80 lies inside
     * [0x10, 0x90)). Negative control: logging the range as {@code Write(to, null, from)} failed this.
     */
    @Test
    void committedInOrderWithRangeDeletes() {
        MemKv base = base(k(0x10), k(1), k(0x80), k(2), k(0x90), k(3), k(0x05), k(4));
        Writes w = new Writes(base);
        w.put(k(0x20), k(5)); // then deleted by the range
        w.deleteRange(k(0x10), k(0x90));
        w.put(k(0x30), k(6)); // after the range: stays
        base.commit(w);
        assertNull(base.get(k(0x10)));
        assertNull(base.get(k(0x20)));
        assertNull(base.get(k(0x80)));
        assertArrayEquals(k(6), base.get(k(0x30)));
        assertArrayEquals(k(3), base.get(k(0x90)), "the end is exclusive");
        assertArrayEquals(k(4), base.get(k(0x05)));
    }

    /**
     * As documented in {@link Writes#floor}: floor and scan read the base only (the apply path
     * searches floors only for keys committed before). This pins that limitation so a change to it
     * is deliberate. Negative control: expecting the merged view (floor at the batch's key 3) failed.
     */
    @Test
    void floorAndScanReadTheBaseOnly() {
        MemKv base = base(k(1), k(10), k(5), k(50));
        Writes w = new Writes(base);
        w.put(k(3), k(30));
        w.delete(k(5));
        assertArrayEquals(k(5), w.floor(k(0), k(9)).key());
        assertEquals(2, w.scan(k(0), k(9), 10).size());
    }

    /**
     * Against a model, over random puts, deletes and (for the committed state) range deletes on a
     * small key space with bytes on both sides of 0x80: every read during the batch equals the
     * model's, the base is untouched until commit, and after commit the base equals the model.
     * Reads within a range deleted earlier in the same batch are not checked: the javadoc of
     * {@link Writes#deleteRange} says they are not supported. Negative controls: reading a tombstone
     * through to the base, not logging deletes, and logging a range's ends swapped each failed this.
     */
    @Test
    void randomBatchesAgreeWithAModel() {
        for (long seed = 0; seed < 300; seed++) {
            Random rnd = new Random(seed);
            List<byte[]> keys = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                keys.add(k(0x70 + rnd.nextInt(0x20), rnd.nextInt(3)));
            }
            MemKv base = new MemKv();
            Writes init = new Writes(base);
            TreeMap<byte[], byte[]> model = new TreeMap<>(Arrays::compareUnsigned);
            for (byte[] key : keys) {
                if (rnd.nextBoolean()) {
                    byte[] v = k(rnd.nextInt(256));
                    init.put(key, v);
                    model.put(key, v);
                }
            }
            base.commit(init);
            TreeMap<byte[], byte[]> before = new TreeMap<>(model);

            Writes w = new Writes(base);
            boolean ranged = false;
            for (int step = 0; step < 40; step++) {
                byte[] key = keys.get(rnd.nextInt(keys.size()));
                int what = rnd.nextInt(10);
                if (what < 5) {
                    byte[] v = k(rnd.nextInt(256), step);
                    w.put(key, v);
                    model.put(key, v);
                } else if (what < 9) {
                    w.delete(key);
                    model.remove(key);
                } else {
                    byte[] to = keys.get(rnd.nextInt(keys.size()));
                    if (Arrays.compareUnsigned(key, to) <= 0) {
                        w.deleteRange(key, to);
                        model.subMap(key, true, to, false).clear();
                        ranged = true;
                    }
                }
                if (!ranged) {
                    for (byte[] probe : keys) {
                        assertArrayEquals(model.get(probe), w.get(probe), "seed " + seed + " step " + step);
                    }
                }
            }
            for (byte[] probe : keys) {
                assertArrayEquals(before.get(probe), base.get(probe), "seed " + seed + ": base changed before commit");
            }
            base.commit(w);
            for (byte[] probe : keys) {
                assertArrayEquals(model.get(probe), base.get(probe), "seed " + seed + ": after commit");
            }
        }
    }
}
