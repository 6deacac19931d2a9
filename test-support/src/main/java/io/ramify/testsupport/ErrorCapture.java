package io.ramify.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Every ERROR logged in this JVM by a logger under {@code io.ramify}, in order, for {@link
 * NoUnexpectedErrors}. Attached once to logback's root logger (whatever the module's
 * logback-test.xml says), so it sees what reaches the root through additivity.
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

  private static ErrorCapture installed;
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
      lines.add(new Line(e.getLoggerName(), e.getThreadName(), e.getFormattedMessage(),
          t == null ? null : t.getClassName() + ": " + t.getMessage()));
    }
  }

  /** How many ERROR lines of ours were logged so far: a mark for {@link #since}. */
  synchronized long mark() {
    return seen;
  }

  /** The lines logged after {@code mark} (those kept). */
  synchronized List<Line> since(long mark) {
    return List.copyOf(lines.subList((int) Math.min(mark, lines.size()), lines.size()));
  }

}
