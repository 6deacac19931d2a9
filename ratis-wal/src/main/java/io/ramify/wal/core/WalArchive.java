package io.ramify.wal.core;

import static io.ramify.wal.client.WalLimits.WAL_PAGE_SIZE;

import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.kv.Writes;
import io.ramify.pgwal.WalSource;
import io.ramify.wal.proto.Rejection.Code;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A timeline's own WAL bytes, kept as 8 KiB pages. Bytes below the end of the last complete record
 * never change (docs/design.md §5): Postgres rewrites its partial last page with the same prefix, and a
 * newer generation only overwrites the torn tail beyond that end. Any other change is refused as a
 * conflict. A fork's own WAL starts at its fork LSN; below that it reads its parent's.
 */
final class WalArchive {
    private WalArchive() {}

    /** The lowest LSN this timeline holds WAL for itself; below it, a fork reads its parent's. */
    static long ownStart(TimelineStatus s) {
        return s.getParent().isEmpty() ? s.getFirstWalLsn() : s.getForkLsn();
    }

    /**
     * The lowest LSN stored here: for a fork, the start of the page holding its fork LSN, whose
     * prefix (the parent's bytes) it received at creation so its WAL pages are whole.
     */
    static long storedStart(TimelineStatus s) {
        return s.getFirstWalLsn();
    }

    /**
     * Stores {@code data} at {@code lsn}. Bytes below a fork's stored start belong to the parent and
     * are dropped; the prefix of its fork page is checked like any immutable WAL. Returns the status
     * with the written end raised.
     */
    static TimelineStatus write(TimelineId tl, TimelineStatus s, long lsn, byte[] data, long leaderMillis, Writes w)
            throws Rejected {
        long from = lsn;
        int skip = 0;
        if (!s.getParent().isEmpty() && from < storedStart(s)) {
            skip = (int) Math.min(data.length, storedStart(s) - from);
            from += skip;
        }
        if (skip == data.length) {
            return s;
        }
        if (s.getWalTrimmedBelow() > 0 && from < s.getWalTrimmedBelow()) {
            throw new Rejected(
                    Code.OUT_OF_WINDOW,
                    "WAL write at " + Lsn.of(from) + " on timeline " + tl + " is below the trimmed history ("
                            + Lsn.of(s.getWalTrimmedBelow()) + ")");
        }
        long end = lsn + data.length;
        long frozenEnd = Math.min(s.getLastRecordEnd(), s.getWalWrittenEnd());
        for (long page = from / WAL_PAGE_SIZE; page * WAL_PAGE_SIZE < end; page++) {
            long pageStart = page * WAL_PAGE_SIZE;
            byte[] key = Keys.of(Keys.PAGE, tl, page);
            byte[] buf = w.get(key);
            if (buf == null) {
                buf = new byte[WAL_PAGE_SIZE];
            }
            long a = Math.max(from, pageStart);
            long b = Math.min(end, pageStart + WAL_PAGE_SIZE);
            int srcOff = (int) (a - lsn);
            int dstOff = (int) (a - pageStart);
            int len = (int) (b - a);
            checkFrozen(tl, a, data, srcOff, buf, dstOff, (int) Math.max(0, Math.min(b, frozenEnd) - a));
            System.arraycopy(data, srcOff, buf, dstOff, len);
            w.put(key, buf);
            w.put(
                    Keys.of(Keys.PAGE_TIME, tl, page),
                    ByteBuffer.allocate(8).putLong(leaderMillis).array());
        }
        TimelineStatus.Builder b = s.toBuilder().setWalWrittenEnd(Math.max(end, s.getWalWrittenEnd()));
        if (s.getParent().isEmpty() && (s.getWalWrittenEnd() == 0 || from < s.getFirstWalLsn())) {
            b.setFirstWalLsn(s.getWalWrittenEnd() == 0 ? from : Math.min(from, s.getFirstWalLsn()));
        }
        return b.build();
    }

    private static void checkFrozen(TimelineId tl, long lsn, byte[] src, int srcOff, byte[] page, int pageOff, int len)
            throws Rejected {
        if (len <= 0) {
            return;
        }
        if (Arrays.mismatch(src, srcOff, srcOff + len, page, pageOff, pageOff + len) >= 0) {
            int at = Arrays.mismatch(src, srcOff, srcOff + len, page, pageOff, pageOff + len);
            throw new Rejected(
                    Code.WAL_CONFLICT,
                    "WAL write on timeline " + tl + " changes the byte at " + Lsn.of(lsn + at)
                            + ", below the end of the last complete record; WAL there is immutable");
        }
    }

    /** Stores a fork's page prefix at creation: the parent's bytes from the page start to the fork LSN. */
    static void storeForkPrefix(TimelineId tl, long forkLsn, byte[] prefix, Writes w) {
        byte[] page = new byte[WAL_PAGE_SIZE];
        System.arraycopy(prefix, 0, page, 0, prefix.length);
        w.put(Keys.of(Keys.PAGE, tl, forkLsn / WAL_PAGE_SIZE), page);
    }

    /** Zeroes the torn tail beyond the last complete record, as a new generation takes over. */
    static TimelineStatus dropTornTail(TimelineId tl, TimelineStatus s, Writes w) {
        long keep = s.getLastRecordEnd();
        if (keep == 0 || s.getWalWrittenEnd() <= keep) {
            return s;
        }
        long firstWholePage = (keep + WAL_PAGE_SIZE - 1) / WAL_PAGE_SIZE;
        if (keep % WAL_PAGE_SIZE != 0) {
            byte[] key = Keys.of(Keys.PAGE, tl, keep / WAL_PAGE_SIZE);
            byte[] buf = w.get(key);
            if (buf != null) {
                Arrays.fill(buf, (int) (keep % WAL_PAGE_SIZE), WAL_PAGE_SIZE, (byte) 0);
                w.put(key, buf);
            }
        }
        w.deleteRange(Keys.of(Keys.PAGE, tl, firstWholePage), Keys.end(Keys.PAGE, tl));
        return s.toBuilder().setWalWrittenEnd(keep).build();
    }

    /** Reads up to {@code max} contiguous own bytes from {@code lsn}; fewer at the written end. */
    static byte[] read(Kv kv, TimelineId tl, TimelineStatus s, long lsn, int max) throws Rejected {
        if (lsn < ownStart(s) || (s.getWalTrimmedBelow() > 0 && lsn < s.getWalTrimmedBelow())) {
            String why = !s.getParent().isEmpty() && lsn < s.getForkLsn()
                    ? "below its fork LSN " + Lsn.of(s.getForkLsn()) + ": read the parent's WAL there"
                    : "outside its retained WAL [" + Lsn.of(Math.max(ownStart(s), s.getWalTrimmedBelow())) + ", "
                            + Lsn.of(s.getWalWrittenEnd()) + ")";
            throw new Rejected(Code.OUT_OF_WINDOW, "WAL of timeline " + tl + " at " + Lsn.of(lsn) + " is " + why);
        }
        long end = Math.min(lsn + max, s.getWalWrittenEnd());
        if (end <= lsn) {
            return new byte[0];
        }
        byte[] out = new byte[(int) (end - lsn)];
        copy(kv, tl, lsn, out, 0, out.length);
        return out;
    }

    /** Copies [lsn, lsn+len) from stored pages into dst; pages never written read as zeros. */
    static void copy(Kv kv, TimelineId tl, long lsn, byte[] dst, int off, int len) {
        long end = lsn + len;
        for (long page = lsn / WAL_PAGE_SIZE; page * WAL_PAGE_SIZE < end; page++) {
            long pageStart = page * WAL_PAGE_SIZE;
            long a = Math.max(lsn, pageStart);
            long b = Math.min(end, pageStart + WAL_PAGE_SIZE);
            byte[] buf = kv.get(Keys.of(Keys.PAGE, tl, page));
            int dstOff = off + (int) (a - lsn);
            if (buf == null) {
                Arrays.fill(dst, dstOff, dstOff + (int) (b - a), (byte) 0);
            } else {
                System.arraycopy(buf, (int) (a - pageStart), dst, dstOff, (int) (b - a));
            }
        }
    }

    /**
     * The timeline's stored WAL as a {@link WalSource} for the record decoder. The decoder reads a
     * few bytes at a time; the last page read is kept so each read does not fetch (and copy) a page.
     */
    static WalSource source(Kv kv, TimelineId tl, long storedStart, long writtenEnd) {
        return new WalSource() {
            private long cachedPage = -1;
            private byte[] cached;

            @Override
            public int read(long lsn, byte[] dst, int off, int len) {
                if (lsn < storedStart || lsn >= writtenEnd) {
                    return 0;
                }
                int n = (int) Math.min(len, writtenEnd - lsn);
                for (int done = 0; done < n; ) {
                    long page = (lsn + done) / WAL_PAGE_SIZE;
                    int in = (int) ((lsn + done) % WAL_PAGE_SIZE);
                    int m = Math.min(WAL_PAGE_SIZE - in, n - done);
                    if (page != cachedPage) {
                        cached = kv.get(Keys.of(Keys.PAGE, tl, page));
                        cachedPage = page;
                    }
                    if (cached == null) {
                        Arrays.fill(dst, off + done, off + done + m, (byte) 0);
                    } else {
                        System.arraycopy(cached, in, dst, off + done, m);
                    }
                    done += m;
                }
                return n;
            }
        };
    }
}
