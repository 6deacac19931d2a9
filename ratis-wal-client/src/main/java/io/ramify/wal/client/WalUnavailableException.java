package io.ramify.wal.client;

/** The cluster did not answer within the retry policy's bounds (no leader, nodes down, timeouts). */
public final class WalUnavailableException extends RuntimeException {
    public WalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
