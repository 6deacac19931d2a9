package io.ramify.wal.core;

import io.ramify.wal.proto.Rejection;

/**
 * Bad input from a client: the request is refused with a typed code and a message that names the
 * object and the value; nothing it would have written is kept, and the state machine goes on.
 */
final class Rejected extends Exception {
    private final Rejection.Code code;

    Rejected(Rejection.Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    Rejection toProto() {
        return Rejection.newBuilder().setCode(code).setMessage(getMessage()).build();
    }

    Rejection.Code code() {
        return code;
    }
}
