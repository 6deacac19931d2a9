package io.ramify.control;

import java.util.Objects;

/**
 * Why a control-plane operation refused or failed, as the operation sees it: a kind (the
 * subclass, which says what the caller can do about it), a stable code that the API returns as it
 * is ({@code HAS_CHILDREN}, {@code BEYOND_END}, a catalog's or ratis-wal's own code, …), and a
 * message that says what was wrong and what to do. The kinds say nothing of HTTP: {@code
 * http.ApiErrors} is the one place that maps each to a status; the parts' own typed failures
 * become these in {@link PartErrors}.
 */
public abstract sealed class ControlError extends RuntimeException
        permits ControlError.InvalidArgument,
                ControlError.NotFound,
                ControlError.Conflict,
                ControlError.OutOfHistory,
                ControlError.LimitExceeded,
                ControlError.Failed,
                ControlError.Unavailable {
    public static final String INVALID_ARGUMENT = "INVALID_ARGUMENT";
    public static final String UNAVAILABLE = "UNAVAILABLE";

    private final String code;

    private ControlError(String code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** The stable code the API returns ({@code {"code": ..., "message": ...}}). */
    public final String code() {
        return code;
    }

    /** A malformed or missing value in the request, code {@value #INVALID_ARGUMENT}. */
    public static InvalidArgument invalidArgument(String message) {
        return new InvalidArgument(INVALID_ARGUMENT, message, null);
    }

    /** A part did not answer, or a wait ran out: code {@value #UNAVAILABLE}, retry later with the same key. */
    public static Unavailable unavailable(String message, Throwable cause) {
        return new Unavailable(UNAVAILABLE, message, cause);
    }

    /**
     * The request itself is wrong and is refused as it is: a malformed value (JSON, LSN, time), a
     * missing field, a name that is not allowed ({@code INVALID_ARGUMENT}, {@code INVALID_NAME},
     * the parts' {@code MALFORMED}, {@code TOO_LARGE}).
     */
    public static final class InvalidArgument extends ControlError {
        public InvalidArgument(String code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }

    /** What the request names does not exist ({@code NOT_FOUND}, ratis-wal's {@code UNKNOWN_TIMELINE}). */
    public static final class NotFound extends ControlError {
        public NotFound(String code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }

    /**
     * The request is well formed but the state forbids it: {@code ALREADY_EXISTS}, {@code IS_ROOT},
     * {@code HAS_CHILDREN}, {@code PROTECTED}, {@code REQUEST_ID_REUSED}, and the parts' other
     * refusals ({@code STALE_LEASE}, …).
     */
    public static final class Conflict extends ControlError {
        public Conflict(String code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }

    /**
     * An LSN or a time outside the branch's history: beyond its durable end or in the future
     * ({@code BEYOND_END}), or before the kept history or the project's window ({@code OUT_OF_WINDOW}).
     */
    public static final class OutOfHistory extends ControlError {
        public OutOfHistory(String code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }

    /** A limit of the catalog was reached ({@code LIMIT_EXCEEDED}): remove something first. */
    public static final class LimitExceeded extends ControlError {
        public LimitExceeded(String code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }

    /**
     * Something the server runs failed, not the request: a compute that did not start
     * ({@code COMPUTE_START_FAILED}), a page store's refusal or failure ({@code PAGE_STORE}), a
     * missing resource of the build ({@code INTERNAL}).
     */
    public static final class Failed extends ControlError {
        public Failed(String code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }

    /**
     * Not now: a part did not answer, a wait ran out or was interrupted, no port was free
     * ({@code UNAVAILABLE}, {@code NO_PORT}). Retrying later with the same Idempotency-Key is safe.
     */
    public static final class Unavailable extends ControlError {
        public Unavailable(String code, String message, Throwable cause) {
            super(code, message, cause);
        }
    }
}
