package io.ramify.bench.pagestore;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where and on what the figures were taken, as markdown bullet lines. */
final class Machine {
    private Machine() {}

    static List<String> describe(Path dataDir, Path repo) {
        List<String> out = new ArrayList<>();
        out.add("- date: " + ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME));
        out.add("- CPUs (nproc): " + Runtime.getRuntime().availableProcessors() + " × "
                + procValue("/proc/cpuinfo", "model name", "unknown CPU"));
        String mem = procValue("/proc/meminfo", "MemTotal", "");
        out.add("- memory: "
                + (mem.endsWith("kB") ? Long.parseLong(mem.replace("kB", "").trim()) / 1024 + " MiB" : "unknown"));
        out.add("- kernel: " + System.getProperty("os.name") + " " + System.getProperty("os.version"));
        out.add("- JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", -Xmx"
                + Runtime.getRuntime().maxMemory() / (1 << 20) + "m");
        String fs;
        try {
            FileStore store = Files.getFileStore(dataDir);
            fs = store.type() + " on " + store.name();
        } catch (IOException e) {
            fs = "unknown (" + e.getMessage() + ")";
        }
        out.add("- data directory filesystem: " + fs);
        String head = git(repo, "rev-parse", "--short=12", "HEAD");
        String dirty = git(repo, "status", "--porcelain", "--untracked-files=no");
        out.add("- git commit: "
                + (head == null ? "unknown" : dirty == null || dirty.isEmpty() ? head : head + " + local changes"));
        return out;
    }

    private static String procValue(String file, String key, String otherwise) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key) && line.contains(":")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux, or not readable: say unknown
        }
        return otherwise;
    }

    /** Output of a git command in {@code repo}, or null when it fails. */
    private static String git(Path repo, String... args) {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
