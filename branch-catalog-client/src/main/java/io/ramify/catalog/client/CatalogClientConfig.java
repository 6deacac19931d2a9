package io.ramify.catalog.client;

import java.time.Duration;

/**
 * Client settings, each with a named default. A call is tried in up to {@code rounds} rounds; in
 * each, Ratis sends the request up to {@code attemptsPerRound} times (following leader changes)
 * with a backoff from {@code backoffBase} doubling up to {@code backoffMax}. Every round of a
 * command carries the same request id, so the command is applied at most once.
 *
 * @param requestTimeout how long one attempt waits for a reply
 */
public record CatalogClientConfig(
        Duration requestTimeout, int attemptsPerRound, int rounds, Duration backoffBase, Duration backoffMax) {
    public static final CatalogClientConfig DEFAULT =
            new CatalogClientConfig(Duration.ofSeconds(3), 8, 3, Duration.ofMillis(100), Duration.ofSeconds(1));

    public CatalogClientConfig {
        if (attemptsPerRound < 1 || attemptsPerRound > 100) {
            throw new IllegalArgumentException("attempts per round must be 1..100, got " + attemptsPerRound);
        }
        if (rounds < 1 || rounds > 10) {
            throw new IllegalArgumentException("rounds must be 1..10, got " + rounds);
        }
        if (backoffBase.isNegative() || backoffMax.compareTo(backoffBase) < 0) {
            throw new IllegalArgumentException(
                    "backoff must satisfy 0 <= base <= max, got " + backoffBase + ", " + backoffMax);
        }
    }
}
