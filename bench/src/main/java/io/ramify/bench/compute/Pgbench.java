package io.ramify.bench.compute;

import io.ramify.bench.Latencies;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Runs the stock {@code pgbench} as the postgres OS user against an {@link Endpoint} and reads its
 * figures: the summary it prints, and per-transaction latencies from its {@code -l} log. A run
 * that failed (exit code, failed transactions, a log that does not match the count) is an error,
 * never a figure.
 */
public final class Pgbench {
    static final Duration INIT_TIMEOUT = Duration.ofMinutes(20);
    /** Beyond the run's own duration: connection set-up, the final report, a slow server. */
    static final Duration RUN_GRACE = Duration.ofMinutes(5);

    private static final Map<String, String> ENV = Map.of("LC_ALL", "C", "TZ", "UTC");

    private static final Pattern DONE = Pattern.compile("done in ([0-9.]+) s \\(([^)]*)\\)");
    private static final Pattern PROCESSED = Pattern.compile("number of transactions actually processed: (\\d+)");
    private static final Pattern FAILED = Pattern.compile("number of failed transactions: (\\d+)");
    private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    private Pgbench() {}

    /** {@code pgbench -i} as it reported itself: total seconds and its phases. */
    public record Init(double wallSeconds, double reportedSeconds, String phases) {}

    /** One timed run: pgbench's summary and the latency percentiles of its per-transaction log. */
    public record Run(
            String label,
            double seconds,
            long processed,
            long failed,
            double tps,
            double latencyAverageMs,
            Latencies.Summary perTransaction) {}

    public static Init init(Endpoint e, int scale, Path workDir) {
        long t0 = System.nanoTime();
        Processes.Result r = exec(e, workDir, INIT_TIMEOUT, List.of("-i", "-q", "-s", Integer.toString(scale)));
        double wall = (System.nanoTime() - t0) / 1e9;
        String all = r.stdout() + r.stderr();
        if (r.exitCode() != 0) {
            throw new IllegalStateException("pgbench -i on " + e.name() + " failed:\n" + r.describe());
        }
        Matcher m = DONE.matcher(all);
        if (!m.find()) {
            throw new IllegalStateException(
                    "pgbench -i on " + e.name() + " printed no 'done in' line:\n" + r.describe());
        }
        return new Init(wall, Double.parseDouble(m.group(1)), m.group(2));
    }

    /**
     * Runs pgbench with {@code args} (without connection options or database) and logs every
     * transaction under {@code logDir/label.*}; the log files are deleted once read.
     */
    public static Run run(Endpoint e, Path logDir, String label, int seconds, List<String> args) throws IOException {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of("-T", Integer.toString(seconds), "-l", "--log-prefix=" + logDir.resolve(label)));
        Processes.Result r = exec(e, logDir, Duration.ofSeconds(seconds).plus(RUN_GRACE), all);
        String out = r.stdout() + r.stderr();
        if (r.exitCode() != 0) {
            throw new IllegalStateException(
                    "pgbench " + String.join(" ", all) + " on " + e.name() + " failed:\n" + r.describe());
        }
        long processed = Long.parseLong(find(PROCESSED, out, e, r));
        long failed = Long.parseLong(find(FAILED, out, e, r));
        if (failed != 0 || processed == 0) {
            throw new IllegalStateException("pgbench on " + e.name() + ": " + processed + " transactions processed, "
                    + failed + " failed; a valid run has none failed:\n" + out);
        }
        Latencies perTx = readLog(logDir, label);
        if (perTx.count() != processed) {
            throw new IllegalStateException("pgbench on " + e.name() + " reported " + processed
                    + " transactions but its -l log " + "holds " + perTx.count() + " completed ones");
        }
        return new Run(
                label,
                seconds,
                processed,
                failed,
                Double.parseDouble(find(TPS, out, e, r)),
                Double.parseDouble(find(LATENCY, out, e, r)),
                perTx.summary());
    }

    private static String find(Pattern p, String out, Endpoint e, Processes.Result r) {
        Matcher m = p.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException(
                    "pgbench on " + e.name() + " printed no line matching '" + p + "':\n" + r.describe());
        }
        return m.group(1);
    }

    /**
     * Reads pgbench's per-transaction logs ({@code client_id transaction_no time script_no
     * time_epoch time_us}, time in microseconds; one file per thread) and deletes them.
     */
    private static Latencies readLog(Path logDir, String label) throws IOException {
        Latencies out = new Latencies();
        List<Path> files;
        try (Stream<Path> s = Files.list(logDir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith(label + "."))
                    .toList();
        }
        if (files.isEmpty()) {
            throw new IOException("pgbench wrote no per-transaction log " + logDir.resolve(label) + ".*");
        }
        for (Path f : files) {
            try (BufferedReader in = Files.newBufferedReader(f)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    String[] fields = line.split(" ");
                    if (fields.length >= 3 && !fields[2].isEmpty() && Character.isDigit(fields[2].charAt(0))) {
                        out.add(Long.parseLong(fields[2]) * 1000);
                    }
                }
            }
            Files.delete(f);
        }
        return out;
    }

    private static Processes.Result exec(Endpoint e, Path workDir, Duration timeout, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                "runuser",
                "-u",
                VanillaPostgres.OS_USER,
                "--",
                VanillaPostgres.binDir().resolve("pgbench").toString(),
                "-h",
                e.socketDir().toString(),
                "-p",
                Integer.toString(e.port()),
                "-U",
                VanillaPostgres.SUPERUSER));
        cmd.addAll(args);
        cmd.add("postgres");
        return Processes.exec(cmd, timeout, workDir, ENV);
    }

    public static Optional<String> version() {
        try {
            return Optional.of(Processes.run(
                            List.of(VanillaPostgres.binDir().resolve("pgbench").toString(), "--version"),
                            Duration.ofSeconds(10))
                    .trim());
        } catch (RuntimeException ex) {
            return Optional.empty();
        }
    }
}
