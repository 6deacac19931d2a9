package io.ramify.pagestore.client;

import java.time.Duration;

/**
 * Client settings, each with a named default.
 *
 * @param rpcTimeout how long one attempt may take on top of the server-side ingest wait
 * @param maxAttempts attempts per call on an unreachable shard (first try included)
 * @param backoffBase first pause between attempts, doubled up to {@code backoffMax}
 * @param defaultWait how long a shard may wait for ingestion when the caller does not say
 * @param maxBlocksPerCall blocks in one GetBlocks call; more are split into several calls
 * @param maxInboundBytes largest reply accepted (a full GetBlocks batch, or a big ListTree)
 */
public record PageStoreClientConfig(
        Duration rpcTimeout,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffMax,
        Duration defaultWait,
        int maxBlocksPerCall,
        int maxInboundBytes) {
    /** The server refuses more than this many blocks in one call (8 MiB of images). */
    public static final int BLOCKS_PER_CALL_MAX = 1024;
    /** The longest ingest wait a server grants. */
    public static final Duration WAIT_MAX = Duration.ofSeconds(60);

    public static final PageStoreClientConfig DEFAULT = new PageStoreClientConfig(
            Duration.ofSeconds(10),
            4,
            Duration.ofMillis(50),
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            256,
            64 << 20);

    public PageStoreClientConfig {
        if (maxAttempts < 1 || maxAttempts > 20) {
            throw new IllegalArgumentException("max attempts must be 1..20, got " + maxAttempts);
        }
        if (maxBlocksPerCall < 1 || maxBlocksPerCall > BLOCKS_PER_CALL_MAX) {
            throw new IllegalArgumentException(
                    "blocks per call must be 1.." + BLOCKS_PER_CALL_MAX + ", got " + maxBlocksPerCall);
        }
        if (defaultWait.isNegative() || defaultWait.compareTo(WAIT_MAX) > 0) {
            throw new IllegalArgumentException("default wait must be 0.." + WAIT_MAX + ", got " + defaultWait);
        }
        if (maxInboundBytes < (maxBlocksPerCall * 8192 + (1 << 20))) {
            throw new IllegalArgumentException(
                    "inbound limit " + maxInboundBytes + " cannot hold " + maxBlocksPerCall + " blocks");
        }
    }
}
