package io.ramify.catalog.client;

/**
 * The catalog group did not answer within the client's bounded retries (no leader, nodes down,
 * timeouts). A command may or may not have been applied: retry it with the same request id
 * ({@link CatalogClient#withRequestId}) to learn its result without applying it twice.
 */
public final class CatalogUnavailableException extends RuntimeException {
    private final String requestId;

    public CatalogUnavailableException(String message, String requestId, Throwable cause) {
        super(message, cause);
        this.requestId = requestId;
    }

    /** The id of the command that may have been applied; null for a query. */
    public String requestId() {
        return requestId;
    }
}
