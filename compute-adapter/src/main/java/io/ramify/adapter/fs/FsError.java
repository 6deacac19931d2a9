package io.ramify.adapter.fs;

/**
 * A file-system call that must fail with a specific errno. {@link Errno#EIO} is for what the
 * adapter cannot recover from: Postgres then panics and restarts, which is the right outcome.
 */
public final class FsError extends Exception {
    public enum Errno {
        ENOENT,
        EEXIST,
        ENOTDIR,
        EISDIR,
        ENOTEMPTY,
        EINVAL,
        EIO,
        EXDEV
    }

    final Errno errno;

    FsError(Errno errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    FsError(Errno errno, String message, Throwable cause) {
        super(message, cause, false, false);
        this.errno = errno;
    }
}
