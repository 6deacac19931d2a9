package io.ramify.catalog.client;

import io.ramify.catalog.proto.Rejection;

/**
 * The catalog refused a command or query for a reason the caller can act on; {@link #code()} says
 * which, the message names the object and value and what to do. A refused command changed nothing.
 */
public final class CatalogException extends RuntimeException {
    private final Rejection.Code code;

    public CatalogException(Rejection.Code code, String message) {
        super(code + ": " + message);
        this.code = code;
    }

    public Rejection.Code code() {
        return code;
    }
}
