package io.ramify.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code ramify} as its own process, as a user does: real exit code, stdout, stderr, environment. */
final class Cli {
    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {}

    static Result run(Path cwd, Map<String, String> env, List<String> jvmOptions, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-Xshare:auto"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Ramify.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().remove("RAMIFY_DATA_DIR");
        pb.environment().remove("RAMIFY_API");
        pb.environment().remove("RAMIFY_PROJECT");
        pb.environment().putAll(env);
        Path out = java.nio.file.Files.createTempFile("ramify-out", ".txt");
        Path err = java.nio.file.Files.createTempFile("ramify-err", ".txt");
        Process p = pb.redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("ramify " + String.join(" ", args) + " did not end within 5 minutes");
        }
        Result r = new Result(p.exitValue(), java.nio.file.Files.readString(out), java.nio.file.Files.readString(err));
        java.nio.file.Files.delete(out);
        java.nio.file.Files.delete(err);
        return r;
    }

    static Result run(Path cwd, String... args) throws IOException, InterruptedException {
        return run(cwd, Map.of(), List.of(), args);
    }
}
