package io.ramify.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import io.ramify.cluster.ProcessLogs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * Every ERROR logged in this JVM by a logger under {@code io.ramify}, in order, for {@link
 * NoUnexpectedErrors}. Attached once to logback's root logger (whatever the module's
 * logback-test.xml says), so it sees what reaches the root through additivity. It also reads the
 * ERROR lines that processes started by a {@code LocalCluster} in this JVM wrote to their logs
 * ({@link ProcessLogs}) since they started: their logger names come abbreviated by the log pattern
 * ({@code i.r.w.s.WalServer}), which {@link NoUnexpectedErrors} matches against allow-listed names.
 */
final class ErrorCapture extends AppenderBase<ILoggingEvent> {
    /** Lines kept; beyond, later ones are counted but dropped (a test that floods fails anyway). */
    static final int LINES_MAX = 10_000;

    static final String OURS = "io.ramify";

    /** One ERROR line: which logger, on which thread, what it said. */
    record Line(String logger, String thread, String message, String cause) {
        @Override
        public String toString() {
            return logger + " [" + thread + "] " + message + (cause == null ? "" : " (" + cause + ")");
        }
    }

    /** An ERROR line of a process log: time, level, [thread], logger, " - ", message (logback's pattern here). */
    private static final Pattern PROCESS_LINE = Pattern.compile("^\\S+ ERROR +\\[(.*?)\\] (\\S+) - (.*)$");
    /** Our loggers, whole or abbreviated ({@code io.ramify.x}, {@code i.r.x}). */
    private static final Pattern OURS_IN_PROCESS = Pattern.compile("^i(o)?\\.r(amify)?\\..*");

    private static ErrorCapture installed;
    /** How far each process log has been read. */
    private final Map<Path, Long> read = new HashMap<>();

    private final List<Line> lines = new ArrayList<>();
    private long seen;

    private ErrorCapture() {}

    /** The capture of this JVM, attached on first use; null when SLF4J is not bound to logback. */
    static synchronized ErrorCapture get() {
        if (installed == null && LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ErrorCapture c = new ErrorCapture();
            c.setContext(ctx);
            c.setName("ramify-error-capture");
            c.start();
            ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(c);
            installed = c;
        }
        return installed;
    }

    @Override
    protected synchronized void append(ILoggingEvent e) {
        if (!e.getLevel().isGreaterOrEqual(Level.ERROR) || !e.getLoggerName().startsWith(OURS)) {
            return;
        }
        seen++;
        if (lines.size() < LINES_MAX) {
            IThrowableProxy t = e.getThrowableProxy();
            lines.add(new Line(
                    e.getLoggerName(),
                    e.getThreadName(),
                    e.getFormattedMessage(),
                    t == null ? null : t.getClassName() + ": " + t.getMessage()));
        }
    }

    /** How many ERROR lines of ours were logged so far: a mark for {@link #since}. */
    synchronized long mark() {
        readProcessLogs();
        return seen;
    }

    /** The lines logged after {@code mark} (those kept). */
    synchronized List<Line> since(long mark) {
        readProcessLogs();
        return List.copyOf(lines.subList((int) Math.min(mark, lines.size()), lines.size()));
    }

    /** Adds the ERROR lines of ours that processes wrote since the last read. */
    private void readProcessLogs() {
        ProcessLogs.registered().forEach((log, from) -> {
            long offset = read.getOrDefault(log, from);
            try (SeekableByteChannel ch = Files.newByteChannel(log)) {
                if (ch.size() <= offset) {
                    return;
                }
                ch.position(offset);
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(ch.size() - offset, 64 << 20));
                while (buf.hasRemaining() && ch.read(buf) > 0) {
                    // fill
                }
                String text = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
                int end = text.lastIndexOf('\n') + 1; // a line still being written is read next time
                read.put(log, offset + text.substring(0, end).getBytes(StandardCharsets.UTF_8).length);
                text.substring(0, end).lines().forEach(l -> {
                    Matcher m = PROCESS_LINE.matcher(l);
                    if (m.matches() && OURS_IN_PROCESS.matcher(m.group(2)).matches()) {
                        seen++;
                        if (lines.size() < LINES_MAX) {
                            lines.add(new Line(m.group(2), m.group(1) + " in " + log.getFileName(), m.group(3), null));
                        }
                    }
                });
            } catch (IOException e) {
                // a log that went away with its test's directory has nothing more to say
            }
        });
    }
}
