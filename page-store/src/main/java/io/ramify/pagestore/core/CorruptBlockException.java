package io.ramify.pagestore.core;

/** Stored bytes failed their CRC-32C: the block is reported with its address, never returned. */
public final class CorruptBlockException extends RuntimeException {
    public CorruptBlockException(String message) {
        super(message);
    }
}
