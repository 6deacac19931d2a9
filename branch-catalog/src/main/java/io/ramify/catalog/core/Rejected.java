package io.ramify.catalog.core;

import io.ramify.catalog.proto.Rejection;
import io.ramify.catalog.proto.Reply;

/**
 * Bad input or a command the catalog's rules forbid: refused with a typed code and a message that
 * names the object and the value and says what to do. The command's writes are dropped, so a
 * refused command changes nothing.
 */
final class Rejected extends Exception {
    private final Rejection.Code code;

    Rejected(Rejection.Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    Rejection.Code code() {
        return code;
    }

    Rejection toProto() {
        return Rejection.newBuilder().setCode(code).setMessage(getMessage()).build();
    }

    Reply toReply() {
        return Reply.newBuilder().setRejected(toProto()).build();
    }
}
