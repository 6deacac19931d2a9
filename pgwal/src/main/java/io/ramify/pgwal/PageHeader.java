package io.ramify.pgwal;

import io.ramify.common.Lsn;

/**
 * An XLogPageHeaderData (24 bytes after MAXALIGN), or the long variant with system id, segment size
 * and block size that starts every segment (40 bytes).
 */
record PageHeader(int magic, int info, long tli, long pageAddr, long remLen, long sysId, int segSize) {
    static final int MAGIC_PG15 = 0xD110;
    static final int SHORT_SIZE = 24;
    static final int LONG_SIZE = 40;
    static final int FIRST_IS_CONTRECORD = 0x0001;
    static final int LONG_HEADER = 0x0002;
    /** All flags PG15 defines, including XLP_FIRST_IS_OVERWRITE_CONTRECORD (0x0008). */
    static final int ALL_FLAGS = 0x000F;

    boolean isLong() {
        return (info & LONG_HEADER) != 0;
    }

    boolean isContinuation() {
        return (info & FIRST_IS_CONTRECORD) != 0;
    }

    int size() {
        return isLong() ? LONG_SIZE : SHORT_SIZE;
    }

    /**
     * Reads the header of the page at {@code pageLsn}. Returns null when the bytes there are not (yet)
     * a page written for that address: too short, zeros, or an old page of a recycled segment (its
     * xlp_pageaddr names another position). Once the address matches, the page is ours, so any other
     * inconsistency is corruption and throws.
     *
     * @param segmentSize the WAL segment size, or 0 when unknown (skips the segment cross-checks)
     */
    static PageHeader read(WalSource src, long pageLsn, int segmentSize) {
        if (pageLsn % WalDecoder.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("not a page boundary: " + new Lsn(pageLsn));
        }
        byte[] b = new byte[LONG_SIZE];
        int n = src.read(pageLsn, b, 0, LONG_SIZE);
        if (n < SHORT_SIZE || Bytes.i64(b, 8) != pageLsn) {
            return null;
        }
        int magic = Bytes.u16(b, 0);
        int info = Bytes.u16(b, 2);
        String where = "WAL page at " + new Lsn(pageLsn);
        if (magic != MAGIC_PG15) {
            throw new WalFormatException(
                    where + ": magic %04X, expected %04X (PostgreSQL 15)".formatted(magic, MAGIC_PG15));
        }
        if ((info & ~ALL_FLAGS) != 0) {
            throw new WalFormatException(where + ": invalid xlp_info %04X".formatted(info));
        }
        long sysId = 0;
        int segSize = 0;
        if ((info & LONG_HEADER) != 0) {
            if (n < LONG_SIZE) {
                return null;
            }
            sysId = Bytes.i64(b, 24);
            segSize = (int) Bytes.u32(b, 32);
            long blcksz = Bytes.u32(b, 36);
            if (blcksz != WalDecoder.PAGE_SIZE) {
                throw new WalFormatException(where + ": XLOG_BLCKSZ " + blcksz + ", expected 8192");
            }
            if (segmentSize > 0 && segSize != segmentSize) {
                throw new WalFormatException(where + ": segment size " + segSize + ", expected " + segmentSize);
            }
        }
        if (segmentSize > 0 && ((info & LONG_HEADER) != 0) != (pageLsn % segmentSize == 0)) {
            throw new WalFormatException(where + ": long header flag does not match the segment start");
        }
        return new PageHeader(magic, info, Bytes.u32(b, 4), pageLsn, Bytes.u32(b, 16), sysId, segSize);
    }
}
