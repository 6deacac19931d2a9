package io.ramify.bench.compute;

import io.ramify.common.Lsn;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one Postgres start wrote to its server log (the default {@code log_line_prefix '%m [%p] '}
 * stamps each line with milliseconds): when the postmaster started, when redo started and ended
 * and over which LSNs, when the end-of-recovery checkpoint ran, and when it accepted connections.
 * Both systems log the same way, so these phases compare directly.
 */
final class PgLog {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS z");
    private static final Pattern LINE =
            Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\S+) \\[\\d+\\] (.*)$");
    private static final Pattern REDO_START = Pattern.compile("redo starts at ([0-9A-F]+/[0-9A-F]+)");
    private static final Pattern REDO_DONE = Pattern.compile("redo done at ([0-9A-F]+/[0-9A-F]+)");

    private PgLog() {}

    /** Where the log ends now: a start's lines are read from here on. */
    static long mark(Path log) throws IOException {
        return Files.exists(log) ? Files.size(log) : 0;
    }

    /**
     * Phases of one start: when the postmaster logged its first line (epoch milliseconds), then
     * durations in milliseconds; empty where the log has no such line (no redo after a clean
     * shutdown).
     */
    record Start(
            long launchEpochMillis,
            long readyMillis,
            OptionalLong redoMillis,
            OptionalLong endOfRecoveryCheckpointMillis,
            long redoBytes) {
        boolean recovered() {
            return redoMillis.isPresent();
        }
    }

    static Start read(Path log, long from) throws IOException {
        String text;
        try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
            f.seek(from);
            byte[] b = new byte[(int) (f.length() - from)];
            f.readFully(b);
            text = new String(b, StandardCharsets.UTF_8);
        }
        long first = -1;
        long ready = -1;
        long redoStart = -1;
        long redoDone = -1;
        long ckptStart = -1;
        long ckptDone = -1;
        long fromLsn = -1;
        long toLsn = -1;
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            long t = millis(m.group(1));
            String msg = m.group(2);
            if (first < 0 && msg.contains("starting PostgreSQL")) {
                first = t;
            } else if (msg.contains("redo starts at")) {
                redoStart = t;
                fromLsn = lsn(REDO_START, msg);
            } else if (msg.contains("redo done at")) {
                redoDone = t;
                toLsn = lsn(REDO_DONE, msg);
            } else if (msg.contains("checkpoint starting: end-of-recovery")) {
                ckptStart = t;
            } else if (ckptStart >= 0 && ckptDone < 0 && msg.contains("checkpoint complete")) {
                ckptDone = t;
            } else if (ready < 0 && msg.contains("database system is ready to accept connections")) {
                ready = t;
            }
        }
        if (first < 0 || ready < 0) {
            throw new IOException("the server log " + log + " has no complete start after byte " + from + ":\n" + text);
        }
        return new Start(
                first,
                ready - first,
                redoStart >= 0 && redoDone >= 0 ? OptionalLong.of(redoDone - redoStart) : OptionalLong.empty(),
                ckptStart >= 0 && ckptDone >= 0 ? OptionalLong.of(ckptDone - ckptStart) : OptionalLong.empty(),
                fromLsn >= 0 && toLsn >= fromLsn ? toLsn - fromLsn : 0);
    }

    private static long lsn(Pattern p, String msg) {
        Matcher m = p.matcher(msg);
        return m.find() ? Lsn.parse(m.group(1)).value() : -1;
    }

    private static long millis(String stamp) throws IOException {
        try {
            return ZonedDateTime.parse(stamp, STAMP).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IOException("cannot read the time stamp '" + stamp + "' of a server log line", e);
        }
    }
}
