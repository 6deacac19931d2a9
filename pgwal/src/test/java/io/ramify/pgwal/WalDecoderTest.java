package io.ramify.pgwal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The decoder on WAL built by hand ({@link WalBuilder}): layout edge cases and torn tails. */
class WalDecoderTest {
    static final int SEG = 1024 * 1024;
    static final long BASE = 0x100_0000L; // 0/1000000, where initdb's WAL starts

    private final WalBuilder wal = new WalBuilder(SEG, BASE, 2);

    @Test
    void decodesCommitAndFindsTheNextRecord() {
        long t = 789_000_123_456L;
        long a = wal.appendMain(1, 0x00, 735, WalBuilder.le64(t)); // XACT COMMIT
        long b = wal.appendMain(1, 0x20, 736, WalBuilder.le64(t + 1)); // XACT ABORT

        WalRecord r = decode(a, -1);
        assertEquals(BASE + 40, a);
        assertEquals(a + 24 + 2 + 8, r.end());
        assertEquals(34, r.totalLength());
        assertEquals(735, r.xid());
        assertEquals(1, r.rmid());
        assertEquals(t, r.commitTimestampMicros());
        assertTrue(r.isCommit());
        assertFalse(r.isAbort());
        assertEquals(-1, r.checkpointRedo());
        assertEquals(b, WalDecoder.nextRecordStart(r, SEG));

        WalRecord s = decode(b, a);
        assertEquals(a, s.prev());
        assertTrue(s.isAbort());
        assertEquals(t + 1, s.commitTimestampMicros());
    }

    @Test
    void prepareIsNeitherCommitNorAbort() {
        long a = wal.appendMain(1, 0x10, 740, new byte[64]);
        WalRecord r = decode(a, -1);
        assertFalse(r.isCommit() || r.isAbort());
        assertEquals(Long.MIN_VALUE, r.commitTimestampMicros());
    }

    @Test
    void recordHeaderSplitAcrossPages() {
        wal.padToPageOffset(8184); // 8 header bytes on this page, 16 on the next
        long a = wal.appendMain(10, 0x00, 42, new byte[100]);
        long b = wal.appendMain(10, 0x00, 43, new byte[10]);
        assertEquals(8184, a % WalBuilder.PAGE);

        WalRecord r = decode(a, -1);
        assertEquals(126, r.totalLength());
        assertEquals(a + 126 + 24, r.end()); // one short page header crossed
        assertEquals(42, r.xid());
        assertEquals(b, WalDecoder.nextRecordStart(r, SEG));
        assertEquals(a, decode(b, a).prev());
    }

    @Test
    void recordAcrossASegmentBoundaryAndSeveralPages() {
        while (wal.position() < BASE + SEG - 3 * WalBuilder.PAGE) {
            wal.appendMain(10, 0, 1, new byte[4000]);
        }
        long a = wal.appendMain(10, 0, 7, new byte[5 * WalBuilder.PAGE]);
        long b = wal.appendMain(10, 0, 8, new byte[8]);
        WalRecord r = decode(a, -1);
        assertTrue(r.end() > BASE + SEG, "record should end in the next segment");
        long expectedHeaders = 0;
        for (long p = r.start() - r.start() % WalBuilder.PAGE + WalBuilder.PAGE; p < r.end(); p += WalBuilder.PAGE) {
            expectedHeaders += p % SEG == 0 ? 40 : 24;
        }
        assertTrue(expectedHeaders >= 5 * 24 + 40 - 24, "crossed at least five pages, one a segment start");
        assertEquals(r.start() + r.totalLength() + expectedHeaders, r.end());
        assertEquals(b, WalDecoder.nextRecordStart(r, SEG));
        assertEquals(8, decode(b, a).xid());
    }

    @Test
    void everyPrefixOfATornRecordIsEmpty() {
        wal.padToPageOffset(8000);
        long a = wal.appendMain(10, 0, 9, new byte[700]);
        long end = decode(a, -1).end();
        for (long limit = a; limit < end; limit++) {
            wal.limit = limit;
            assertEquals(Optional.empty(), WalDecoder.decode(wal.source(), a, -1, SEG), "limit " + limit);
        }
        wal.limit = end;
        assertTrue(WalDecoder.decode(wal.source(), a, -1, SEG).isPresent());
    }

    @Test
    void flippedBitsAndWrongPrevAreEmpty() {
        long a = wal.appendMain(1, 0x00, 735, WalBuilder.le64(1));
        long b = wal.appendMain(1, 0x00, 736, WalBuilder.le64(2));
        assertTrue(WalDecoder.decode(wal.source(), b, a, SEG).isPresent());
        assertEquals(Optional.empty(), WalDecoder.decode(wal.source(), b, a + 8, SEG), "xl_prev mismatch");
        for (int off : new int[] {4, 16, 20, 30}) { // xid, info, crc, payload
            wal.buf[(int) (b - BASE) + off] ^= 0x04;
            assertEquals(Optional.empty(), WalDecoder.decode(wal.source(), b, a, SEG), "flipped byte " + off);
            wal.buf[(int) (b - BASE) + off] ^= 0x04;
        }
    }

    @Test
    void zerosAndRecycledPagesAreEmpty() {
        long a = wal.appendMain(10, 0, 1, new byte[8]);
        long after = WalDecoder.nextRecordStart(decode(a, -1), SEG);
        assertEquals(Optional.empty(), WalDecoder.decode(wal.source(), after, a, SEG), "zeros after the last record");

        // A record continuing onto a page that still holds an old segment's header (another address).
        wal.padToPageOffset(8096);
        long c = wal.appendMain(10, 0, 1, new byte[300]);
        long nextPage = c - c % WalBuilder.PAGE + WalBuilder.PAGE;
        assertTrue(WalDecoder.decode(wal.source(), c, -1, SEG).isPresent());
        byte[] saved = wal.copyOf();
        java.nio.ByteBuffer.wrap(wal.buf)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong((int) (nextPage - BASE) + 8, nextPage - SEG);
        assertEquals(Optional.empty(), WalDecoder.decode(wal.source(), c, -1, SEG));
        assertEquals(-1, WalDecoder.firstRecordStartOnPage(wal.source(), nextPage));
        System.arraycopy(saved, 0, wal.buf, 0, saved.length);
    }

    @Test
    void wrongMagicAtTheRightAddressThrows() {
        long a = wal.appendMain(10, 0, 1, new byte[8]);
        wal.buf[0] = 0x0D; // xlp_magic 0xD10D is PostgreSQL 14
        assertThrows(WalFormatException.class, () -> WalDecoder.decode(wal.source(), a, -1, SEG));
    }

    @Test
    void firstRecordOnPageSkipsTheContinuation() {
        wal.padToPageOffset(8000);
        wal.appendMain(10, 0, 1, new byte[500]); // 190 bytes on this page, 336 on the next
        long b = wal.appendMain(10, 0, 2, new byte[8]);
        long page = b - b % WalBuilder.PAGE;
        assertEquals(b, WalDecoder.firstRecordStartOnPage(wal.source(), page));
        assertEquals(BASE + 40, WalDecoder.firstRecordStartOnPage(wal.source(), BASE));

        long c = wal.appendMain(10, 0, 3, new byte[3 * WalBuilder.PAGE]);
        long covered = c - c % WalBuilder.PAGE + 2 * WalBuilder.PAGE;
        assertEquals(-1, WalDecoder.firstRecordStartOnPage(wal.source(), covered));
        assertEquals(-1, WalDecoder.firstRecordStartOnPage(wal.source(), BASE + SEG), "zeros: nothing written");
    }

    @Test
    void checkpointRedoAndSwitch() {
        long redo = 0x1_0000_5678L;
        byte[] checkpoint = new byte[88]; // sizeof(CheckPoint) in PG15; redo is its first field
        System.arraycopy(WalBuilder.le64(redo), 0, checkpoint, 0, 8);
        long a = wal.appendMain(0, 0x10, 0, checkpoint); // CHECKPOINT_ONLINE
        long b = wal.append(0, 0x40, 0, new byte[0]); // SWITCH: header only
        WalRecord cp = decode(a, -1);
        assertEquals(redo, cp.checkpointRedo());
        assertFalse(cp.isSwitch());
        WalRecord sw = decode(b, a);
        assertTrue(sw.isSwitch());
        assertEquals(-1, sw.checkpointRedo());
        assertEquals(b + 24, sw.end());
        assertEquals(BASE + SEG + 40, WalDecoder.nextRecordStart(sw, SEG));
    }

    @Test
    void blockReferencesWithAFullPageImage() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0); // block id 0
        body.write(0x10 | 0x20); // HAS_IMAGE | HAS_DATA, main fork
        body.writeBytes(new byte[] {4, 0}); // data length 4
        body.writeBytes(new byte[] {(byte) 200, 0, 0, 0, 0x02}); // image length 200, hole offset 0, BKPIMAGE_APPLY
        body.writeBytes(new byte[12]); // RelFileNode
        body.writeBytes(WalBuilder.le32(7)); // block number
        body.write(1); // block id 1
        body.write(0x80 | 0x10); // SAME_REL | HAS_IMAGE, no data
        body.writeBytes(new byte[] {0, 0});
        body.writeBytes(new byte[] {100, 0, 50, 0, 0x01 | 0x04}); // HAS_HOLE | COMPRESS_PGLZ: hole length follows
        body.writeBytes(new byte[] {10, 0});
        body.writeBytes(WalBuilder.le32(8));
        body.write(253); // origin
        body.writeBytes(new byte[] {1, 0});
        body.write(255); // main data, short
        body.write(8);
        body.writeBytes(new byte[200 + 4 + 100]);
        body.writeBytes(WalBuilder.le64(4242));
        long a = wal.append(1, 0x00, 900, body.toByteArray());

        DecodedRecord d = WalDecoder.decodeFull(wal.source(), a, -1, SEG).orElseThrow();
        assertEquals(new RecordLayout(2, 2, 300, d.bytes().length - 8, 8), d.layout());
        assertEquals(4242, d.record().commitTimestampMicros());
    }

    @Test
    void payloadNotMatchingTheHeadersThrows() {
        byte[] body = WalBuilder.mainDataBody(new byte[8]);
        body[1] = 9; // announces 9 bytes of main data, has 8
        long a = wal.append(1, 0x00, 1, body);
        assertThrows(WalFormatException.class, () -> WalDecoder.decode(wal.source(), a, -1, SEG));
    }

    private WalRecord decode(long start, long prev) {
        return WalDecoder.decode(wal.source(), start, prev, SEG)
                .orElseThrow(() -> new IllegalStateException("no record at " + start));
    }
}
