package io.ramify.adapter.fs;

import java.util.Arrays;

/**
 * Remembers the last partial WAL page this mount sent, so that only new WAL bytes go to the log.
 * Postgres writes WAL in whole 8 KiB pages: each flush rewrites the page it left partial, with the
 * same bytes up to where it stopped (WAL below the end of a complete record never changes, and the
 * rest of the page is what the same server wrote a moment ago). Resending those bytes cost up to
 * 8 KiB per commit on the wire, in every replica's log and in the archive. A write that starts at
 * or above the remembered page's start is compared with it, and the unchanged prefix is dropped;
 * anything else (a write further back, or bytes that differ, as after a restart in place that
 * overwrites a torn tail) is sent from the first byte that differs. The archive already holds the
 * dropped bytes, so what it stores is the same.
 */
final class WalTail {
    static final int PAGE = 8192;

    /**
     * The remembered range [pageStart, end) lies in one page, and {@code bytes[x - pageStart]} is the
     * byte last sent for LSN x in it; {@code pageStart < 0} when nothing is remembered.
     */
    private long pageStart = -1;

    private long end;
    private final byte[] bytes = new byte[PAGE];

    /**
     * For a WAL write of {@code len} bytes of {@code src} at {@code lsn}: how many leading bytes were
     * already sent unchanged and can be dropped (0..len). Records the write as sent.
     */
    int alreadySent(long lsn, byte[] src, int len) {
        int same = 0;
        if (pageStart >= 0 && lsn >= pageStart && lsn < end) {
            int from = (int) (lsn - pageStart);
            int overlap = (int) Math.min(len, end - lsn);
            int mismatch = Arrays.mismatch(bytes, from, from + overlap, src, 0, overlap);
            same = mismatch < 0 ? overlap : mismatch;
        }
        remember(lsn, src, len);
        return same;
    }

    private void remember(long lsn, byte[] src, int len) {
        long writeEnd = lsn + len;
        long lastPage = (writeEnd - 1) / PAGE * PAGE;
        if (lsn <= lastPage) {
            // The write covers its last page from the start: that page is now known up to its end.
            pageStart = lastPage;
            end = writeEnd;
            System.arraycopy(src, (int) (lastPage - lsn), bytes, 0, (int) (writeEnd - lastPage));
        } else if (pageStart == lastPage && lsn <= end) {
            // Inside the remembered page, overlapping or continuing it.
            System.arraycopy(src, 0, bytes, (int) (lsn - pageStart), len);
            end = Math.max(end, writeEnd);
        } else {
            pageStart = -1; // a gap: the start of this page is unknown here
        }
    }
}
