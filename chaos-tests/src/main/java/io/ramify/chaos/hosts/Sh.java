package io.ramify.chaos.hosts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the short administrative commands of the harness ({@code ip}, {@code tc}, {@code mount}), bounded. */
final class Sh {
    /** Bound on one command: they are all local and short. */
    static final Duration COMMAND_MAX = Duration.ofSeconds(30);

    private Sh() {}

    /** Runs {@code cmd}; a non-zero exit is an {@link IOException} with its output. */
    static String run(List<String> cmd) throws IOException {
        Result r = tryRun(cmd);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited with " + r.exit() + ": "
                    + r.output().strip());
        }
        return r.output();
    }

    /** Runs {@code cmd} and returns its exit code and output, whatever they are. */
    static Result tryRun(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(COMMAND_MAX.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + COMMAND_MAX);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", cmd), e);
        }
    }

    record Result(int exit, String output) {}
}
