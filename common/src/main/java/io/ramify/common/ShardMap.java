package io.ramify.common;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Which page-store shard owns a block: {@code hash(file, block / STRIPE_BLOCKS) mod shardCount}
 * (docs/design.md §5). The map ignores the timeline, so a child finds its parent's versions on the same
 * shard. File events (create, truncate, unlink, rename, mkdir, rmdir) go to every shard.
 */
public final class ShardMap {
    /** Blocks per stripe: 2048 blocks of 8 KiB = 16 MiB of a file on one shard. */
    public static final int STRIPE_BLOCKS = 2048;

    private ShardMap() {}

    public static int shardOf(String file, long block, int shardCount) {
        if (shardCount <= 0) {
            throw new IllegalArgumentException("shard count must be positive: " + shardCount);
        }
        CRC32C crc = new CRC32C();
        crc.update(file.getBytes(StandardCharsets.UTF_8));
        long stripe = block / STRIPE_BLOCKS;
        for (int i = 7; i >= 0; i--) {
            crc.update((int) (stripe >>> (8 * i)) & 0xFF);
        }
        return (int) (crc.getValue() % shardCount);
    }
}
