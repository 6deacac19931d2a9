package io.ramify.pgwal;

/**
 * WAL bytes that can never become a valid record, as opposed to a torn or not-yet-written tail
 * (which the decoder reports as an empty result). Example: a page header whose address matches its
 * position but whose magic number is not PostgreSQL 15's.
 */
public final class WalFormatException extends RuntimeException {
    public WalFormatException(String message) {
        super(message);
    }
}
