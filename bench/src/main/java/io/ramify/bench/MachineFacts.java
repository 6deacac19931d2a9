package io.ramify.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** What a reader needs to judge the figures: where and when they were taken, on what code. */
public record MachineFacts(
        String date,
        int cpus,
        String cpuModel,
        long memoryMib,
        String kernel,
        String jvm,
        String filesystem,
        String gitCommit) {
    private static final long GIT_TIMEOUT_SECONDS = 10;

    public static MachineFacts collect(Path dataDir, Path repo) {
        return new MachineFacts(
                ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME),
                Runtime.getRuntime().availableProcessors(),
                readCpuModel(),
                readMemoryMib(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                filesystem(dataDir),
                gitCommit(repo));
    }

    public List<String> markdown() {
        return List.of(
                "- date: " + date,
                "- CPUs (nproc): " + cpus + " × " + cpuModel,
                "- memory: " + memoryMib + " MiB",
                "- kernel: " + kernel,
                "- JVM: " + jvm,
                "- data directory filesystem: " + filesystem,
                "- git commit: " + gitCommit);
    }

    private static String readCpuModel() {
        return firstValue(Path.of("/proc/cpuinfo"), "model name").orElse("unknown CPU");
    }

    private static long readMemoryMib() {
        return firstValue(Path.of("/proc/meminfo"), "MemTotal")
                .map(v -> Long.parseLong(v.replace("kB", "").trim()) / 1024)
                .orElse(-1L);
    }

    private static Optional<String> firstValue(Path file, String key) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> l.startsWith(key))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String filesystem(Path dir) {
        try {
            FileStore fs = Files.getFileStore(dir);
            return fs.type() + " on " + fs.name();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /** The commit checked out, with "+ local changes" when the tree differs from it. */
    private static String gitCommit(Path repo) {
        String head = git(repo, "rev-parse", "--short=12", "HEAD");
        if (head.isEmpty()) {
            return "unknown";
        }
        return git(repo, "status", "--porcelain", "--untracked-files=no").isEmpty() ? head : head + " + local changes";
    }

    private static String git(Path repo, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor(GIT_TIMEOUT_SECONDS, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
