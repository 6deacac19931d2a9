package io.ramify.pgwal;

/** Little-endian reads; WAL is written in the machine's byte order and we only support x86_64. */
final class Bytes {
    private Bytes() {}

    static int u8(byte[] b, int off) {
        return b[off] & 0xFF;
    }

    static int u16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    /** An unsigned 32-bit value, widened so that comparisons and sums cannot go negative. */
    static long u32(byte[] b, int off) {
        return (u16(b, off) | (long) u16(b, off + 2) << 16) & 0xFFFFFFFFL;
    }

    static long i64(byte[] b, int off) {
        return u32(b, off) | u32(b, off + 4) << 32;
    }

    static long maxAlign(long x) {
        return (x + 7) & ~7L;
    }
}
