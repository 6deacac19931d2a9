package io.ramify.bench.branching;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a compute's Postgres log (default {@code log_line_prefix} '%m [%p] ': millisecond
 * timestamps) for where the last start spent its time: start to ready, redo, and the checkpoint
 * that ends crash recovery.
 */
final class PgLog {
    private static final Pattern STAMP = Pattern.compile("^(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2}\\.\\d{3})");
    private static final Pattern REDO_ELAPSED = Pattern.compile("redo done at .*elapsed: ([0-9.]+) s");

    private PgLog() {}

    /** Milliseconds of the last start; -1 where the log does not say. */
    record LastStart(long startToReadyMillis, long redoMillis, long endOfRecoveryCheckpointMillis) {
        static final LastStart UNKNOWN = new LastStart(-1, -1, -1);
    }

    static LastStart lastStart(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return LastStart.UNKNOWN;
        }
        int from = -1;
        for (int i = lines.size() - 1; i >= 0 && from < 0; i--) {
            if (lines.get(i).contains("starting PostgreSQL")) {
                from = i;
            }
        }
        if (from < 0) {
            return LastStart.UNKNOWN;
        }
        LocalDateTime start = stamp(lines.get(from));
        LocalDateTime ready = null;
        LocalDateTime ckptStart = null;
        LocalDateTime ckptDone = null;
        long redo = 0;
        for (String l : lines.subList(from, lines.size())) {
            if (l.contains("database system is ready to accept connections") && ready == null) {
                ready = stamp(l);
            } else if (l.contains("checkpoint starting: end-of-recovery")) {
                ckptStart = stamp(l);
            } else if (ckptStart != null && ckptDone == null && l.contains("checkpoint complete")) {
                ckptDone = stamp(l);
            }
            Matcher m = REDO_ELAPSED.matcher(l);
            if (m.find()) {
                redo = Math.round(Double.parseDouble(m.group(1)) * 1000);
            }
        }
        return new LastStart(between(start, ready), ready == null ? -1 : redo, between(ckptStart, ckptDone));
    }

    private static long between(LocalDateTime a, LocalDateTime b) {
        return a == null || b == null ? -1 : Duration.between(a, b).toMillis();
    }

    private static LocalDateTime stamp(String line) {
        Matcher m = STAMP.matcher(line);
        return m.find() ? LocalDateTime.parse(m.group(1) + "T" + m.group(2)) : null;
    }
}
