package io.ramify.adapter.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the log receives when only new WAL bytes are sent must be exactly what a log receiving every
 * write in full would hold. The writes mimic Postgres: each flush rewrites the partial last page
 * from its start; now and then a write rewrites bytes differently (a restart overwriting a torn
 * tail) or goes back further (a new segment's first pages).
 */
class WalTailTest {
    private static final int SIZE = 1 << 20;

    @Test
    void theLogHoldsWhatEveryWriteInFullWouldLeave() {
        for (long seed = 0; seed < 50; seed++) {
            Random rnd = new Random(seed);
            byte[] expected = new byte[SIZE];
            byte[] log = new byte[SIZE];
            WalTail tail = new WalTail();
            int flushed = 0;
            while (flushed < SIZE - 3 * WalTail.PAGE) {
                // Mostly a commit's worth of WAL (tens to thousands of bytes), now and then pages of it.
                int grow = rnd.nextInt(10) == 0 ? rnd.nextInt(3 * WalTail.PAGE) : rnd.nextInt(2000);
                int next = Math.min(SIZE - 1, flushed + 1 + grow);
                int from = flushed / WalTail.PAGE * WalTail.PAGE;
                long mayResend = 0;
                if (rnd.nextInt(20) == 0) {
                    from = Math.max(0, from - WalTail.PAGE * (1 + rnd.nextInt(3))); // further back
                    mayResend = flushed - from;
                }
                byte[] src = Arrays.copyOfRange(expected, from, next);
                for (int i = flushed - from; i < src.length; i++) {
                    src[i] = (byte) rnd.nextInt(256); // new bytes
                }
                if (rnd.nextInt(15) == 0 && flushed > from) {
                    int at = from + rnd.nextInt(flushed - from);
                    src[at - from] ^= 0x5a; // an existing byte rewritten differently
                    mayResend = Math.max(mayResend, flushed - at);
                }
                System.arraycopy(src, 0, expected, from, src.length);
                int skip = tail.alreadySent(from, src, src.length);
                System.arraycopy(src, skip, log, from + skip, src.length - skip);
                assertTrue(
                        src.length - skip <= next - flushed + mayResend,
                        "seed " + seed + ": sent " + (src.length - skip) + " bytes for " + (next - flushed)
                                + " new ones");
                flushed = next;
                assertArrayEquals(
                        Arrays.copyOfRange(expected, from, next),
                        Arrays.copyOfRange(log, from, next),
                        "seed " + seed + " after a write at " + from);
            }
            assertArrayEquals(expected, log, "seed " + seed);
        }
    }

    @Test
    void aWriteFurtherBackOrChangedIsSentFromTheFirstDifference() {
        WalTail tail = new WalTail();
        byte[] page = new byte[WalTail.PAGE];
        Arrays.fill(page, 0, 100, (byte) 1);
        assertEquals(0, tail.alreadySent(WalTail.PAGE * 3, page, 100));
        assertEquals(100, tail.alreadySent(WalTail.PAGE * 3, page, 100), "the same bytes again");
        page[40] = 9;
        assertEquals(40, tail.alreadySent(WalTail.PAGE * 3, page, 100), "a changed byte");
        assertEquals(
                0,
                tail.alreadySent(WalTail.PAGE * 2, new byte[WalTail.PAGE + 100], WalTail.PAGE + 100),
                "a write starting on an earlier page");
    }
}
