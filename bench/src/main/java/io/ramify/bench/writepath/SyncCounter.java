package io.ramify.bench.writepath;

import io.ramify.testsupport.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Counts {@code fdatasync} and {@code fsync} system calls of chosen processes over a run with
 * {@code perf stat} on the syscall entry tracepoints, one perf per group of processes: attached
 * to every thread of every process listed for the group at the start, and inherited
 * by the threads and processes they create later (new Postgres backends, new JVM threads).
 * Where perf or the tracepoints are missing the counts are absent, never guessed.
 */
final class SyncCounter {
    static final String EVENTS = "syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync";
    /** perf attaches before this returns, but give it a moment to settle before the run starts. */
    static final long ATTACH_MILLIS = 300;

    static final Duration STOP_WAIT_MAX = Duration.ofSeconds(30);
    static final int ATTACH_ATTEMPTS_MAX = 5;

    private SyncCounter() {}

    /** Why counting cannot work here, or empty when a trial count of a known syscall worked. */
    static Optional<String> unavailableReason() {
        try {
            Processes.Result r = Processes.exec(
                    List.of("perf", "stat", "-x", ",", "-e", EVENTS, "--", "sync"),
                    Duration.ofSeconds(30),
                    Path.of("/"),
                    Map.of("LC_ALL", "C"));
            if (r.exitCode() != 0) {
                return Optional.of(
                        "perf stat -e " + EVENTS + " failed: " + r.stderr().strip());
            }
            return r.stderr().contains("sys_enter_fdatasync") && !r.stderr().contains("<not supported>")
                    ? Optional.empty()
                    : Optional.of("perf stat printed no count: " + r.stderr().strip());
        } catch (RuntimeException e) {
            return Optional.of("perf could not run: " + e.getMessage());
        }
    }

    /** Running perfs, one per group; {@link #stop} ends them and reads their counts. */
    static final class Running {
        private final Map<String, Process> perfs = new LinkedHashMap<>();
        private final Map<String, Path> outputs = new LinkedHashMap<>();

        /** Syscalls per group over the run; a group whose perf failed is absent. */
        Map<String, Long> stop() throws IOException, InterruptedException {
            for (Map.Entry<String, Process> e : perfs.entrySet()) {
                if (e.getValue().isAlive()) {
                    Processes.exec(
                            List.of("kill", "-INT", Long.toString(e.getValue().pid())),
                            Duration.ofSeconds(10),
                            Path.of("/"),
                            Map.of());
                } else {
                    WritePathBench.progress("perf for " + e.getKey() + " ended before the run did (exit "
                            + e.getValue().exitValue() + ")");
                }
            }
            Map<String, Long> out = new LinkedHashMap<>();
            for (Map.Entry<String, Process> e : perfs.entrySet()) {
                if (!e.getValue().waitFor(STOP_WAIT_MAX.toSeconds(), TimeUnit.SECONDS)) {
                    e.getValue().destroyForcibly();
                    WritePathBench.progress("perf for " + e.getKey() + " did not stop; its count is left out");
                    continue;
                }
                parse(outputs.get(e.getKey()))
                        .ifPresentOrElse(
                                n -> out.put(e.getKey(), n),
                                () -> WritePathBench.progress(
                                        "perf for " + e.getKey() + " printed no count; it is left out"));
            }
            return out;
        }
    }

    /**
     * Starts one perf per group, each given the pids {@code groups} lists (a process that exits
     * just then, say the backend of a connection just closed, makes perf give up: it is retried
     * with the processes alive then, up to {@link #ATTACH_ATTEMPTS_MAX} times). {@code dir} holds
     * perf's output files.
     */
    static Running start(Supplier<Map<String, List<Long>>> groups, Path dir) throws IOException, InterruptedException {
        Running r = new Running();
        Map<String, List<Long>> todo = new LinkedHashMap<>(groups.get());
        for (int attempt = 1; !todo.isEmpty(); attempt++) {
            Map<String, Process> started = new LinkedHashMap<>();
            for (Map.Entry<String, List<Long>> g : todo.entrySet()) {
                if (g.getValue().isEmpty()) {
                    continue;
                }
                Path out = dir.resolve("perf-" + g.getKey() + ".csv");
                Files.deleteIfExists(out);
                r.outputs.put(g.getKey(), out);
                started.put(
                        g.getKey(),
                        new ProcessBuilder(
                                        "perf",
                                        "stat",
                                        "-x",
                                        ",",
                                        "-o",
                                        out.toString(),
                                        "-e",
                                        EVENTS,
                                        "-p",
                                        g.getValue().stream()
                                                .map(String::valueOf)
                                                .collect(Collectors.joining(",")))
                                .redirectErrorStream(true)
                                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                                .start());
            }
            Thread.sleep(ATTACH_MILLIS);
            Map<String, List<Long>> fresh = attempt < ATTACH_ATTEMPTS_MAX ? groups.get() : Map.of();
            todo.clear();
            for (Map.Entry<String, Process> e : started.entrySet()) {
                if (e.getValue().isAlive()) {
                    r.perfs.put(e.getKey(), e.getValue());
                } else if (attempt < ATTACH_ATTEMPTS_MAX) {
                    todo.put(e.getKey(), fresh.getOrDefault(e.getKey(), List.of()));
                } else {
                    r.outputs.remove(e.getKey());
                    WritePathBench.progress("perf could not attach to " + e.getKey() + "; its count is left out");
                }
            }
        }
        Map<String, Process> ordered = new LinkedHashMap<>(); // as the groups were listed, for the report
        groups.get().keySet().forEach(k -> {
            if (r.perfs.containsKey(k)) {
                ordered.put(k, r.perfs.get(k));
            }
        });
        r.perfs.keySet().forEach(k -> ordered.putIfAbsent(k, r.perfs.get(k)));
        r.perfs.clear();
        r.perfs.putAll(ordered);
        return r;
    }

    /** Sum of the two events' counts in perf's CSV output ({@code count,unit,event,...}). */
    private static Optional<Long> parse(Path csv) throws IOException {
        long sum = 0;
        int seen = 0;
        for (String line : Files.readAllLines(csv)) {
            String[] f = line.split(",");
            if (f.length > 2
                    && f[2].startsWith("syscalls:sys_enter_")
                    && !f[0].isEmpty()
                    && f[0].chars().allMatch(Character::isDigit)) {
                sum += Long.parseLong(f[0]);
                seen++;
            }
        }
        Files.deleteIfExists(csv);
        return seen == 2 ? Optional.of(sum) : Optional.empty();
    }
}
