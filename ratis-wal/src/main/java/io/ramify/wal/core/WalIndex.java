package io.ramify.wal.core;

import static io.ramify.wal.client.WalLimits.WAL_PAGE_SIZE;

import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.kv.Writes;
import io.ramify.pgwal.WalDecoder;
import io.ramify.pgwal.WalRecord;
import io.ramify.pgwal.WalSource;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Follows a timeline's WAL with the Postgres record decoder as bytes arrive, and indexes what
 * branching needs: the end of every complete record (per WAL page), checkpoint records with their
 * redo pointers, and commit records with their timestamps. Decoding stops at the first record that
 * is incomplete or invalid (a torn tail); it resumes there when more bytes arrive.
 */
final class WalIndex {
    /** Microseconds from the Unix epoch to Postgres's epoch, 2000-01-01 UTC. */
    static final long PG_EPOCH_UNIX_MICROS = 946_684_800_000_000L;

    /** Where decoding resumes: the next record's start and the previous record's start (-1: unknown). */
    record DecoderState(long next, long prev) {
        static final DecoderState UNSET = new DecoderState(-1, -1);

        byte[] encode() {
            return ByteBuffer.allocate(16).putLong(next).putLong(prev).array();
        }

        static DecoderState decode(byte[] b) {
            if (b == null) {
                return UNSET;
            }
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new DecoderState(bb.getLong(), bb.getLong());
        }
    }

    private WalIndex() {}

    /** The first record start after a record that ends at {@code end} (used for a fork's LSN). */
    static long startAfter(long end, int segmentSize) {
        long next = (end + 7) & ~7L;
        if (next % WAL_PAGE_SIZE == 0) {
            next += next % segmentSize == 0 ? 40 : 24;
        }
        return next;
    }

    /** Decodes every complete record now available and indexes it. Returns the updated status. */
    static TimelineStatus advance(TimelineId tl, TimelineStatus s, Writes w) {
        long ownStart = WalArchive.storedStart(s);
        WalSource src = WalArchive.source(w, tl, ownStart, s.getWalWrittenEnd());
        DecoderState st = DecoderState.decode(w.get(Keys.of(Keys.DECODER, tl)));
        if (st.next() < 0) {
            long firstPage = (ownStart + WAL_PAGE_SIZE - 1) / WAL_PAGE_SIZE * WAL_PAGE_SIZE;
            long first =
                    s.getWalWrittenEnd() >= firstPage + 40 ? WalDecoder.firstRecordStartOnPage(src, firstPage) : -1;
            if (first < 0) {
                return s;
            }
            st = new DecoderState(first, -1);
        }
        int segmentSize = s.getWalSegmentSize();
        TimelineStatus.Builder b = s.toBuilder();
        long startState = st.next();
        // Bounded by the bytes written: each step consumes a whole record or stops.
        while (true) {
            Optional<WalRecord> rec = WalDecoder.decode(src, st.next(), st.prev(), segmentSize);
            if (rec.isEmpty()) {
                break;
            }
            WalRecord r = rec.get();
            index(tl, r, w, b);
            st = new DecoderState(WalDecoder.nextRecordStart(r, segmentSize), r.start());
        }
        if (st.next() != startState || w.get(Keys.of(Keys.DECODER, tl)) == null) {
            w.put(Keys.of(Keys.DECODER, tl), st.encode());
        }
        return b.build();
    }

    private static void index(TimelineId tl, WalRecord r, Writes w, TimelineStatus.Builder b) {
        long endPage = (r.end() - 1) / WAL_PAGE_SIZE;
        byte[] key = Keys.of(Keys.RECORD_ENDS, tl, endPage);
        byte[] old = w.get(key);
        int n = old == null ? 0 : old.length;
        byte[] ends = new byte[n + 2];
        if (old != null) {
            System.arraycopy(old, 0, ends, 0, n);
        }
        int offset = (int) (r.end() - endPage * WAL_PAGE_SIZE); // 1..8192
        ends[n] = (byte) (offset >>> 8);
        ends[n + 1] = (byte) offset;
        w.put(key, ends);
        b.setLastRecordEnd(r.end());
        if (r.checkpointRedo() >= 0) {
            w.put(
                    Keys.of(Keys.CHECKPOINT, tl, r.start()),
                    ByteBuffer.allocate(16)
                            .putLong(r.end())
                            .putLong(r.checkpointRedo())
                            .array());
            b.setLatestCheckpointRedo(r.checkpointRedo());
        }
        if (r.isCommit() && r.commitTimestampMicros() != Long.MIN_VALUE) {
            long unixMicros = r.commitTimestampMicros() + PG_EPOCH_UNIX_MICROS;
            w.put(Keys.of(Keys.COMMIT, tl, unixMicros, r.end()), new byte[0]);
        }
    }

    /** The greatest record end at or before {@code lsn}, or -1 if this timeline has none. */
    static long recordEndAtOrBefore(Kv kv, TimelineId tl, long lsn) {
        long page = (lsn - 1) / WAL_PAGE_SIZE;
        // Bounded: the first page searched may hold only ends above lsn; the one before it cannot.
        for (int attempt = 0; attempt < 2 && page >= 0; attempt++) {
            Kv.Entry e = kv.floor(Keys.of(Keys.RECORD_ENDS, tl, 0), Keys.of(Keys.RECORD_ENDS, tl, page));
            if (e == null) {
                return -1;
            }
            long p = Keys.first(e.key());
            long best = -1;
            byte[] v = e.value();
            for (int i = 0; i + 1 < v.length; i += 2) {
                long end = p * WAL_PAGE_SIZE + (((v[i] & 0xFF) << 8) | (v[i + 1] & 0xFF));
                if (end <= lsn) {
                    best = Math.max(best, end);
                }
            }
            if (best >= 0) {
                return best;
            }
            page = p - 1;
        }
        return -1;
    }

    /** The least record end above {@code lsn}, or -1 if no complete record ends after it yet. */
    static long firstRecordEndAfter(Kv kv, TimelineId tl, long lsn) {
        // Ends are keyed by the page they end on; the page holding lsn + 1 may hold only ends at or
        // below lsn, and then the next entry, on a later page, holds only ends above it.
        long page = lsn / WAL_PAGE_SIZE;
        for (Kv.Entry e : kv.scan(Keys.of(Keys.RECORD_ENDS, tl, page), Keys.end(Keys.RECORD_ENDS, tl), 2)) {
            long p = Keys.first(e.key());
            long best = -1;
            byte[] v = e.value();
            for (int i = 0; i + 1 < v.length; i += 2) {
                long end = p * WAL_PAGE_SIZE + (((v[i] & 0xFF) << 8) | (v[i + 1] & 0xFF));
                if (end > lsn && (best < 0 || end < best)) {
                    best = end;
                }
            }
            if (best >= 0) {
                return best;
            }
        }
        return -1;
    }
}
