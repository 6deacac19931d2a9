package io.ramify.pgwal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes synthetic PG15 WAL into a byte array the way XLogInsert lays it out: page headers on every
 * page (long ones at segment starts), records MAXALIGNed, split across pages with continuation
 * headers. Written from the format description, independently of the decoder.
 */
final class WalBuilder {
    static final int PAGE = 8192;
    static final long SYSID = 0x1234_5678_9ABC_DEF0L;

    final int segSize;
    final long base;
    final byte[] buf;
    private long pos;
    private long prevStart;
    /** Bytes readable through {@link #source()}: lets tests cut the WAL short. */
    long limit = Long.MAX_VALUE;

    WalBuilder(int segSize, long base, int segments) {
        this.segSize = segSize;
        this.base = base;
        this.buf = new byte[segSize * segments];
        writePageHeader(base, 0);
        this.pos = base + 40;
    }

    long position() {
        return pos;
    }

    /** Appends a record with the given body (block headers, data headers, payload); returns its start. */
    long append(int rmid, int info, int xid, byte[] body) {
        byte[] rec = new byte[24 + body.length];
        ByteBuffer h = ByteBuffer.wrap(rec).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, rec.length).putInt(4, xid).putLong(8, prevStart);
        rec[16] = (byte) info;
        rec[17] = (byte) rmid;
        System.arraycopy(body, 0, rec, 24, body.length);
        CRC32C crc = new CRC32C();
        crc.update(rec, 24, body.length);
        crc.update(rec, 0, 20);
        h.putInt(20, (int) crc.getValue());
        long start = pos;
        int written = 0;
        while (written < rec.length) {
            if (pos % PAGE == 0) {
                writePageHeader(pos, rec.length - written);
                pos += pos % segSize == 0 ? 40 : 24;
            }
            int k = (int) Math.min(rec.length - written, PAGE - pos % PAGE);
            System.arraycopy(rec, written, buf, (int) (pos - base), k);
            pos += k;
            written += k;
        }
        pos = (pos + 7) & ~7L;
        if (pos % PAGE == 0) {
            writePageHeader(pos, 0);
            pos += pos % segSize == 0 ? 40 : 24;
        }
        prevStart = start;
        return start;
    }

    /** A record whose body is only main data. */
    long appendMain(int rmid, int info, int xid, byte[] mainData) {
        return append(rmid, info, xid, mainDataBody(mainData));
    }

    /**
     * Appends filler records (XLOG NOOP) so that the next record starts at page offset {@code target}
     * (a multiple of 8, at least 64) on this page or a later one.
     */
    void padToPageOffset(int target) {
        while (target - pos % PAGE < 32) {
            appendMain(0, 0x20, 0, new byte[0]); // 26 bytes, 32 after MAXALIGN
        }
        int gap = (int) (target - pos % PAGE);
        if (gap > 0) {
            // DATA_SHORT main data makes a record of 26 + n bytes, DATA_LONG one of 29 + n.
            appendMain(0, 0x20, 0, new byte[gap - 26 <= 255 ? gap - 26 : gap - 29]);
        }
        if (pos % PAGE != target) {
            throw new IllegalStateException("padding ended at page offset " + pos % PAGE + ", wanted " + target);
        }
    }

    static byte[] mainDataBody(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (data.length <= 255) {
            b.write(255);
            b.write(data.length);
        } else {
            b.write(254);
            b.writeBytes(le32(data.length));
        }
        b.writeBytes(data);
        return b.toByteArray();
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    void writePageHeader(long pageLsn, int remLen) {
        ByteBuffer h = ByteBuffer.wrap(buf, (int) (pageLsn - base), 40).order(ByteOrder.LITTLE_ENDIAN);
        boolean isLong = pageLsn % segSize == 0;
        int info = (remLen > 0 ? 0x0001 : 0) | (isLong ? 0x0002 : 0);
        h.putShort((short) 0xD110)
                .putShort((short) info)
                .putInt(1)
                .putLong(pageLsn)
                .putInt(remLen)
                .putInt(0);
        if (isLong) {
            h.putLong(SYSID).putInt(segSize).putInt(PAGE);
        }
    }

    WalSource source() {
        return (lsn, dst, off, len) -> {
            long end = Math.min(base + buf.length, limit);
            if (lsn < base || lsn >= end) {
                return 0;
            }
            int n = (int) Math.min(len, end - lsn);
            System.arraycopy(buf, (int) (lsn - base), dst, off, n);
            return n;
        };
    }

    byte[] copyOf() {
        return Arrays.copyOf(buf, buf.length);
    }
}
