package io.ramify.cli;

/**
 * An expected error: something about the machine, the installation or the arguments that the user
 * can fix. {@link Ramify} prints it as one line {@code error: MESSAGE} (the message says what to
 * do) and exits with 1; the stack trace only with {@code --debug}.
 */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }

    UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
