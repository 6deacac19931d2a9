package io.ramify.pagestore.core;

import io.ramify.common.TimelineId;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A stored block version: a kind byte, the CRC-32C of the 8 KiB image, then the image unless it is
 * all zeros. RocksDB compresses the stored values (LZ4) underneath. The CRC is checked after every
 * read (docs/design.md rule 8).
 */
public final class BlockCodec {
    public static final int BLOCK_SIZE = 8192;
    static final byte RAW = 0;
    static final byte ZERO = 1;
    private static final int HEADER = 5;

    private BlockCodec() {}

    public static byte[] encode(byte[] image) {
        if (image.length != BLOCK_SIZE) {
            throw new IllegalArgumentException("a block image is " + BLOCK_SIZE + " bytes, got " + image.length);
        }
        boolean zero = isZero(image);
        byte[] out = new byte[HEADER + (zero ? 0 : BLOCK_SIZE)];
        out[0] = zero ? ZERO : RAW;
        int crc = crc(image);
        out[1] = (byte) (crc >>> 24);
        out[2] = (byte) (crc >>> 16);
        out[3] = (byte) (crc >>> 8);
        out[4] = (byte) crc;
        if (!zero) {
            System.arraycopy(image, 0, out, HEADER, BLOCK_SIZE);
        }
        return out;
    }

    /** The image, or a {@link CorruptBlockException} naming the block's address. */
    public static byte[] decode(byte[] stored, TimelineId tl, String path, long block, long seq) {
        String where = "block " + path + "#" + block + " of timeline " + tl.shortForm() + "… at seq " + seq;
        if (stored.length < HEADER) {
            throw new CorruptBlockException(where + ": stored value is " + stored.length + " bytes");
        }
        byte[] image;
        if (stored[0] == ZERO && stored.length == HEADER) {
            image = new byte[BLOCK_SIZE];
        } else if (stored[0] == RAW && stored.length == HEADER + BLOCK_SIZE) {
            image = Arrays.copyOfRange(stored, HEADER, HEADER + BLOCK_SIZE);
        } else {
            throw new CorruptBlockException(
                    where + ": unknown encoding " + stored[0] + " of " + stored.length + " bytes");
        }
        int expected = ((stored[1] & 0xFF) << 24)
                | ((stored[2] & 0xFF) << 16)
                | ((stored[3] & 0xFF) << 8)
                | (stored[4] & 0xFF);
        if (crc(image) != expected) {
            throw new CorruptBlockException(where + ": CRC mismatch");
        }
        return image;
    }

    static int crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
