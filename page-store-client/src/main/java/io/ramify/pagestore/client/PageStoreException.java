package io.ramify.pagestore.client;

/**
 * A page-store call failed. The subclasses say what the caller can do about it; every message
 * names the blocks or files asked for and the shard that answered.
 */
public class PageStoreException extends RuntimeException {
    public PageStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Stored bytes failed their CRC-32C (docs/design.md rule 8): the data is lost on that shard, never returned. */
    public static final class Corrupt extends PageStoreException {
        public Corrupt(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The shard had not ingested far enough within the wait: retry later, or wait longer. */
    public static final class NotIngested extends PageStoreException {
        public NotIngested(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The request was wrong (a malformed view, an unknown timeline, a block sent to the wrong shard). */
    public static final class BadRequest extends PageStoreException {
        public BadRequest(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** No shard that could answer did so within the retry bounds. */
    public static final class Unavailable extends PageStoreException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
