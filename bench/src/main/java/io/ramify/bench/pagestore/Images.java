package io.ramify.bench.pagestore;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.ramify.pagestore.proto.Block;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Block images that can be recomputed instead of kept: the image of block {@code b} written by
 * writer {@code tag} starts with the tag and the block number, then 8176 pseudo-random bytes
 * seeded from both. Random bytes, so neither LZ4 in RocksDB nor anything else can shrink them
 * (real Postgres pages compress somewhat; these are the worst case for storage).
 */
final class Images {
    static final int BLOCK = 8192;
    private static final long SEED_MIX = 0x9E3779B97F4A7C15L;

    private Images() {}

    static byte[] of(long tag, long block) {
        ByteBuffer buf = ByteBuffer.allocate(BLOCK);
        buf.putLong(tag).putLong(block);
        SplittableRandom r = new SplittableRandom(tag * SEED_MIX ^ block);
        while (buf.hasRemaining()) {
            buf.putLong(r.nextLong());
        }
        return buf.array();
    }

    /**
     * Throws unless {@code got} is present and equals the image {@code tag} wrote for {@code block}.
     * A benchmark that reads wrong data must not print figures.
     */
    static void check(Block got, String file, long block, long tag, String what) {
        if (!got.getPresent()) {
            throw new IllegalStateException(
                    what + ": " + file + "#" + block + " came back absent; expected writer " + tag + "'s image");
        }
        ByteString want = UnsafeByteOperations.unsafeWrap(of(tag, block));
        if (!got.getImage().equals(want)) {
            ByteBuffer head = got.getImage().size() >= 16
                    ? got.getImage().substring(0, 16).asReadOnlyByteBuffer()
                    : null;
            String whose = head == null
                    ? got.getImage().size() + " bytes"
                    : "writer " + head.getLong() + "'s image of block " + head.getLong();
            throw new IllegalStateException(what + ": " + file + "#" + block + " came back WRONG: expected writer "
                    + tag + "'s image of block " + block + ", got " + whose);
        }
    }
}
