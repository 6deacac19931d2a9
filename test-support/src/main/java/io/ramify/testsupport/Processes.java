package io.ramify.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external commands with a timeout, capturing stdout and stderr separately. */
public final class Processes {
    private Processes() {}

    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        /** Everything useful for a failure message. */
        public String describe() {
            return "command " + command + " exited with " + exitCode + "\n--- stdout:\n" + stdout + "\n--- stderr:\n"
                    + stderr;
        }
    }

    /** Runs {@code cmd} and returns its stdout; throws if it fails or exceeds {@code timeout}. */
    public static String run(List<String> cmd, Duration timeout) {
        Result r = exec(cmd, timeout, null, Map.of());
        if (r.exitCode() != 0) {
            throw new IllegalStateException(r.describe());
        }
        return r.stdout();
    }

    /**
     * Runs {@code cmd} and returns its result whatever the exit code; throws only if it cannot start
     * or exceeds {@code timeout} (after killing it).
     */
    public static Result exec(List<String> cmd, Duration timeout, Path workDir, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        if (workDir != null) {
            pb.directory(workDir.toFile());
        }
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
        // Drain both pipes concurrently so a chatty process cannot block on a full pipe.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outReader = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread errReader = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                joinQuietly(outReader, errReader);
                throw new IllegalStateException("command " + cmd + " timed out after " + timeout + "\n--- stdout:\n"
                        + text(out) + "\n--- stderr:\n" + text(err));
            }
            joinQuietly(outReader, errReader);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
        return new Result(List.copyOf(cmd), p.exitValue(), text(out), text(err));
    }

    private static java.io.File nullDevice() {
        return new java.io.File("/dev/null");
    }

    private static void copy(InputStream in, ByteArrayOutputStream to) {
        try (in) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (to) {
                    to.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // The process went away; what we captured so far is all there is.
        }
    }

    private static void joinQuietly(Thread... threads) throws InterruptedException {
        for (Thread t : threads) {
            // A daemon the command left behind may hold the pipe open; don't wait for it forever.
            t.join(Duration.ofSeconds(10));
        }
    }

    private static String text(ByteArrayOutputStream b) {
        synchronized (b) {
            return b.toString(StandardCharsets.UTF_8);
        }
    }
}
