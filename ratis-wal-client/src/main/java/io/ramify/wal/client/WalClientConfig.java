package io.ramify.wal.client;

import java.time.Duration;

/**
 * Client settings, each with a named default.
 *
 * @param requestTimeout how long one attempt waits for a reply before it is retried
 * @param maxAttempts attempts per request (first try included); Ratis's own default retries forever
 * @param backoffBase first pause between attempts, doubled each time up to {@code backoffMax}
 * @param batchBytesTarget a writer sends its batch once it holds this many bytes
 * @param inFlightBytesMax bytes a writer may have sent but not yet seen committed; further
 *     submits wait
 */
public record WalClientConfig(
        Duration requestTimeout,
        int maxAttempts,
        Duration backoffBase,
        Duration backoffMax,
        int batchBytesTarget,
        long inFlightBytesMax) {
    public static final WalClientConfig DEFAULT = new WalClientConfig(
            Duration.ofSeconds(5), 12, Duration.ofMillis(100), Duration.ofSeconds(2), 1 << 20, 32L << 20);

    public WalClientConfig {
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("max attempts must be 1..100, got " + maxAttempts);
        }
        if (batchBytesTarget < 1024 || batchBytesTarget > WalLimits.BATCH_BYTES_MAX / 2) {
            throw new IllegalArgumentException(
                    "batch target must be 1 KiB.." + WalLimits.BATCH_BYTES_MAX / 2 + " bytes, got " + batchBytesTarget);
        }
        if (inFlightBytesMax < batchBytesTarget) {
            throw new IllegalArgumentException("in-flight limit must be at least one batch");
        }
    }

    public WalClientConfig withBatchBytesTarget(int bytes) {
        return new WalClientConfig(requestTimeout, maxAttempts, backoffBase, backoffMax, bytes, inFlightBytesMax);
    }
}
