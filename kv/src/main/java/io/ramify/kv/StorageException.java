package io.ramify.kv;

/** The local disk failed us: not the client's fault, and not recoverable by this replica alone. */
public final class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
