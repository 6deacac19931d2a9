package io.ramify.wal.client;

import io.ramify.wal.proto.Rejection;

/** The log refused a request for a reason the caller can act on; {@link #code()} says which. */
public final class WalRejectedException extends RuntimeException {
    private final Rejection.Code code;

    public WalRejectedException(Rejection r) {
        super(r.getCode() + ": " + r.getMessage());
        this.code = r.getCode();
    }

    public Rejection.Code code() {
        return code;
    }
}
