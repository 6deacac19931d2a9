package io.ramify.pgwal;

import io.ramify.common.Lsn;

/**
 * Where things are inside one record's bytes (xl_tot_len long, page headers removed): how many
 * block references it has, how many of them carry a full-page image and how many bytes those
 * images take, and where the rmgr's main data lies (always the last {@code mainDataLength} bytes).
 */
public record RecordLayout(int blockRefs, int fullPageImages, int imageBytes, int mainDataOffset, int mainDataLength) {
    static final int RECORD_HEADER_SIZE = 24;
    private static final int BLOCK_ID_MAX = 32;
    private static final int DATA_SHORT = 255;
    private static final int DATA_LONG = 254;
    private static final int ORIGIN = 253;
    private static final int TOPLEVEL_XID = 252;
    private static final int HAS_IMAGE = 0x10;
    private static final int HAS_DATA = 0x20;
    private static final int SAME_REL = 0x80;
    private static final int IMAGE_HAS_HOLE = 0x01;
    /** PG15 BKPIMAGE_COMPRESS_PGLZ | _LZ4 | _ZSTD. */
    private static final int IMAGE_COMPRESSED = 0x04 | 0x08 | 0x10;

    /**
     * Parses the headers that follow the fixed record header, the way xlogreader.c's
     * DecodeXLogRecord does. The record passed its CRC, so a layout that does not add up is
     * corruption (or a format we do not know), never a torn write: it throws.
     */
    static RecordLayout parse(byte[] rec, long start) {
        int totLen = rec.length;
        int pos = RECORD_HEADER_SIZE;
        long payload = 0; // bytes of block images, block data and main data announced so far
        int blocks = 0, images = 0, imageBytes = 0;
        long mainLen = 0;
        try {
            while (totLen - pos > payload) {
                int id = Bytes.u8(rec, pos++);
                if (id == DATA_SHORT) {
                    mainLen = Bytes.u8(rec, pos++);
                    payload += mainLen;
                    break;
                } else if (id == DATA_LONG) {
                    mainLen = Bytes.u32(rec, pos);
                    pos += 4;
                    payload += mainLen;
                    break;
                } else if (id == ORIGIN) {
                    pos += 2;
                } else if (id == TOPLEVEL_XID) {
                    pos += 4;
                } else if (id <= BLOCK_ID_MAX) {
                    int forkFlags = Bytes.u8(rec, pos);
                    int dataLen = Bytes.u16(rec, pos + 1);
                    pos += 3;
                    if (((forkFlags & HAS_DATA) != 0) != (dataLen != 0)) {
                        throw bad(start, "block " + id + " data flag and length " + dataLen + " disagree");
                    }
                    payload += dataLen;
                    blocks++;
                    if ((forkFlags & HAS_IMAGE) != 0) {
                        int imageLen = Bytes.u16(rec, pos);
                        int imageInfo = Bytes.u8(rec, pos + 4);
                        pos += 5;
                        if ((imageInfo & IMAGE_HAS_HOLE) != 0 && (imageInfo & IMAGE_COMPRESSED) != 0) {
                            pos += 2; // hole length, stored only for compressed images
                        }
                        payload += imageLen;
                        images++;
                        imageBytes += imageLen;
                    }
                    if ((forkFlags & SAME_REL) == 0) {
                        pos += 12; // RelFileNode
                    }
                    pos += 4; // block number
                } else {
                    throw bad(start, "invalid block id " + id + " at offset " + (pos - 1));
                }
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw bad(start, "block headers run past the record end");
        }
        if (totLen - pos != payload) {
            throw bad(
                    start,
                    "headers end at " + pos + " and announce " + payload + " payload bytes, but the record has "
                            + totLen);
        }
        return new RecordLayout(blocks, images, imageBytes, (int) (totLen - mainLen), (int) mainLen);
    }

    private static WalFormatException bad(long start, String why) {
        return new WalFormatException("WAL record at " + new Lsn(start) + ": " + why);
    }
}
