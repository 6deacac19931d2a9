package io.ramify.control.http;

/**
 * An error the API reports to its caller as {@code {"code": …, "message": …}} with an HTTP status.
 * The message says what was wrong and what to do about it.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public ApiException(int status, String code, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "INVALID_ARGUMENT", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "NOT_FOUND", message);
    }

    public static ApiException unavailable(String message, Throwable cause) {
        return new ApiException(503, "UNAVAILABLE", message, cause);
    }

    /** What a client receives. */
    public record Body(String code, String message) {}
}
