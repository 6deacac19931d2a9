package io.ramify.pgwal;

import io.ramify.common.Lsn;
import java.util.Optional;
import java.util.zip.CRC32C;

/** Decodes PostgreSQL 15 WAL records (x86_64, XLOG_BLCKSZ 8192) from a {@link WalSource}. */
public final class WalDecoder {
    public static final int PAGE_SIZE = 8192;

    static final int RM_XLOG = 0;
    static final int RM_XACT = 1;
    private static final int XLOG_CHECKPOINT_SHUTDOWN = 0x00;
    private static final int XLOG_CHECKPOINT_ONLINE = 0x10;
    private static final int XLOG_SWITCH = 0x40;
    private static final int XACT_OPMASK = 0x70;
    private static final int XACT_COMMIT = 0x00;
    private static final int XACT_ABORT = 0x20;
    private static final int XACT_COMMIT_PREPARED = 0x30;
    private static final int XACT_ABORT_PREPARED = 0x40;
    /** Postgres refuses to allocate more than 1 GiB - 1 for a record; larger lengths are garbage. */
    private static final long RECORD_LENGTH_MAX = 0x3FFFFFFFL;

    private WalDecoder() {}

    /**
     * Decodes the record that starts at {@code recordStart} (a position returned by {@link
     * #nextRecordStart} or {@link #firstRecordStartOnPage}).
     *
     * @param expectedPrev the start of the previous record, or -1 to not check xl_prev
     * @return empty when the record is not complete in the source yet, or when the bytes there are
     *     not a valid record (zeros, a page header for another address, CRC or xl_prev mismatch): a
     *     torn or not-yet-written tail looks exactly like that
     * @throws WalFormatException for bytes that can never become valid
     */
    public static Optional<WalRecord> decode(WalSource src, long recordStart, long expectedPrev, int segmentSize) {
        return decodeFull(src, recordStart, expectedPrev, segmentSize).map(DecodedRecord::record);
    }

    /** Like {@link #decode}, also returning the record's bytes and layout. */
    public static Optional<DecodedRecord> decodeFull(
            WalSource src, long recordStart, long expectedPrev, int segmentSize) {
        long pageLsn = recordStart - recordStart % PAGE_SIZE;
        PageHeader first = PageHeader.read(src, pageLsn, segmentSize);
        if (first == null) {
            return Optional.empty();
        }
        if (recordStart % 8 != 0 || recordStart - pageLsn < first.size()) {
            throw new IllegalArgumentException("not a record position: " + new Lsn(recordStart));
        }
        // A record starts MAXALIGNed, so at least its 4-byte xl_tot_len is on the first page.
        byte[] lenBytes = new byte[4];
        if (src.read(recordStart, lenBytes, 0, 4) < 4) {
            return Optional.empty();
        }
        long totLen = Bytes.u32(lenBytes, 0);
        if (totLen < RecordLayout.RECORD_HEADER_SIZE || totLen > RECORD_LENGTH_MAX) {
            return Optional.empty();
        }
        Assembler in = new Assembler(src, segmentSize, recordStart, totLen);
        // Check the header before reading (and allocating) a length that may be garbage.
        byte[] head = new byte[RecordLayout.RECORD_HEADER_SIZE];
        if (!in.next(head, 0, head.length)) {
            return Optional.empty();
        }
        long prev = Bytes.i64(head, 8);
        if (expectedPrev >= 0 && prev != expectedPrev) {
            return Optional.empty();
        }
        byte[] rec = new byte[(int) totLen];
        System.arraycopy(head, 0, rec, 0, head.length);
        if (!in.next(rec, head.length, rec.length - head.length)) {
            return Optional.empty();
        }
        if (!crcMatches(rec)) {
            return Optional.empty();
        }
        RecordLayout layout = RecordLayout.parse(rec, recordStart);
        return Optional.of(new DecodedRecord(toRecord(rec, layout, recordStart, in.position()), rec, layout));
    }

    /**
     * Where the next record starts after {@code r}: MAXALIGN(end), past the page header if that is a
     * page boundary; after an XLOG_SWITCH record, the first record of the next segment.
     */
    public static long nextRecordStart(WalRecord r, int segmentSize) {
        long next = Bytes.maxAlign(r.end());
        if (r.isSwitch()) {
            next = (next + segmentSize - 1) / segmentSize * segmentSize;
        }
        if (next % PAGE_SIZE == 0) {
            next += next % segmentSize == 0 ? PageHeader.LONG_SIZE : PageHeader.SHORT_SIZE;
        }
        return next;
    }

    /**
     * The position of the first record that starts on the page at {@code pageLsn}, skipping the tail
     * of a record continued from earlier pages; -1 if that tail covers the whole page or the page
     * header is not one written for this address.
     */
    public static long firstRecordStartOnPage(WalSource src, long pageLsn) {
        PageHeader h = PageHeader.read(src, pageLsn, 0);
        if (h == null) {
            return -1;
        }
        long offset = h.size();
        if (h.isContinuation()) {
            offset += Bytes.maxAlign(h.remLen());
        }
        return offset >= PAGE_SIZE ? -1 : pageLsn + offset;
    }

    /** The CRC covers the record body first, then the header up to (not including) xl_crc. */
    private static boolean crcMatches(byte[] rec) {
        CRC32C crc = new CRC32C();
        crc.update(rec, RecordLayout.RECORD_HEADER_SIZE, rec.length - RecordLayout.RECORD_HEADER_SIZE);
        crc.update(rec, 0, 20);
        return crc.getValue() == Bytes.u32(rec, 20);
    }

    private static WalRecord toRecord(byte[] rec, RecordLayout layout, long start, long end) {
        int info = Bytes.u8(rec, 16);
        int rmid = Bytes.u8(rec, 17);
        long redo = -1;
        long xactTime = Long.MIN_VALUE;
        boolean commit = false, abort = false, isSwitch = false;
        if (rmid == RM_XLOG) {
            int op = info & 0xF0;
            isSwitch = op == XLOG_SWITCH;
            if (op == XLOG_CHECKPOINT_SHUTDOWN || op == XLOG_CHECKPOINT_ONLINE) {
                redo = mainDataLong(rec, layout, start); // CheckPoint.redo is its first field
            }
        } else if (rmid == RM_XACT) {
            int op = info & XACT_OPMASK;
            commit = op == XACT_COMMIT || op == XACT_COMMIT_PREPARED;
            abort = op == XACT_ABORT || op == XACT_ABORT_PREPARED;
            if (commit || abort) {
                xactTime = mainDataLong(rec, layout, start); // xl_xact_commit/abort start with xact_time
            }
            // PREPARE (0x10) is neither: its main data is xl_xact_prepare, whose time is prepared_at.
        }
        return new WalRecord(
                start,
                end,
                Bytes.i64(rec, 8),
                (int) Bytes.u32(rec, 4),
                rmid,
                info,
                rec.length,
                redo,
                xactTime,
                commit,
                abort,
                isSwitch);
    }

    private static long mainDataLong(byte[] rec, RecordLayout layout, long start) {
        if (layout.mainDataLength() < 8) {
            throw new WalFormatException(
                    "WAL record at " + new Lsn(start) + ": main data too short (" + layout.mainDataLength()
                            + " bytes) for its rmgr " + Bytes.u8(rec, 17) + " info " + Bytes.u8(rec, 16));
        }
        return Bytes.i64(rec, layout.mainDataOffset());
    }

    /**
     * Copies one record's bytes out of the WAL stream, stepping over page headers. Every page after
     * the first must be a continuation page for this record (XLP_FIRST_IS_CONTRECORD, xlp_rem_len
     * equal to what is left); anything else means the record was never completed there.
     */
    private static final class Assembler {
        private final WalSource src;
        private final int segmentSize;
        private final long totLen;
        private long pos;
        private long got;

        Assembler(WalSource src, int segmentSize, long start, long totLen) {
            this.src = src;
            this.segmentSize = segmentSize;
            this.totLen = totLen;
            this.pos = start;
        }

        /** The LSN just past the last byte copied. */
        long position() {
            return pos;
        }

        boolean next(byte[] dst, int off, int n) {
            while (n > 0) {
                if (pos % PAGE_SIZE == 0) {
                    PageHeader h = PageHeader.read(src, pos, segmentSize);
                    if (h == null || !h.isContinuation() || h.remLen() != totLen - got) {
                        return false;
                    }
                    pos += h.size();
                }
                int k = (int) Math.min(n, PAGE_SIZE - pos % PAGE_SIZE);
                if (src.read(pos, dst, off, k) < k) {
                    return false;
                }
                pos += k;
                got += k;
                off += k;
                n -= k;
            }
            return true;
        }
    }
}
