package io.ramify.control.http;

import io.ramify.control.ControlError;

/**
 * The one place where the control plane's typed errors ({@link ControlError}) become HTTP statuses:
 * malformed input 400, what does not exist 404, a state that forbids the request 409, a point
 * outside the history 422, a limit 429, a failure of something the server runs 500, and what is
 * not possible now 503 (the caller may retry with the same Idempotency-Key). The code and the
 * message go to the client as they are, as {@code {"code": …, "message": …}}.
 */
public final class ApiErrors {
    private ApiErrors() {}

    /** The HTTP status of a kind of error. */
    public static int status(ControlError e) {
        return switch (e) {
            case ControlError.InvalidArgument _ -> 400;
            case ControlError.NotFound _ -> 404;
            case ControlError.Conflict _ -> 409;
            case ControlError.OutOfHistory _ -> 422;
            case ControlError.LimitExceeded _ -> 429;
            case ControlError.Failed _ -> 500;
            case ControlError.Unavailable _ -> 503;
        };
    }

    /** The error as the API answers it: its status, its code, its message; the cause is what it wraps. */
    public static ApiException toApi(ControlError e) {
        return new ApiException(status(e), e.code(), e.getMessage(), e.getCause());
    }
}
