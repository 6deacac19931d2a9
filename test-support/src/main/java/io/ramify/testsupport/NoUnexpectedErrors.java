package io.ramify.testsupport;

import java.lang.reflect.AnnotatedElement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test during which Ramify's own code logged an ERROR the test did not declare with
 * {@link ExpectedError}: an ERROR line is a bug or a fault the test injected, never noise. Errors
 * logged outside any test (a class's set-up and tear-down) count against the class. Registered for
 * every test of every module through JUnit's extension auto-detection (the parent pom turns it
 * on; this class is listed in {@code META-INF/services}).
 *
 * <p>It sees this JVM's logs and those of the processes a {@code LocalCluster} started (their
 * files, read since each started). Ratis's own ERROR lines (its client logs a failed attempt
 * it then retries as ERROR) are not Ramify's and are not counted.
 */
public final class NoUnexpectedErrors
        implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoUnexpectedErrors.class);

    @Override
    public void beforeAll(ExtensionContext c) {
        ErrorCapture capture = ErrorCapture.get();
        if (capture != null) {
            c.getStore(NS).put(CLASS_MARK, capture.mark());
        }
    }

    /** What the class's set-up (or the time since the last test) logged counts against the class. */
    @Override
    public void beforeEach(ExtensionContext c) {
        ErrorCapture capture = ErrorCapture.get();
        ExtensionContext cls = c.getParent().orElseThrow();
        if (capture != null) {
            checkSince(
                    capture,
                    cls,
                    CLASS_MARK,
                    "before " + c.getDisplayName() + " (in the class's set-up)",
                    c.getRequiredTestClass());
            c.getStore(NS).put(TEST_MARK, capture.mark());
        }
    }

    @Override
    public void afterEach(ExtensionContext c) {
        ErrorCapture capture = ErrorCapture.get();
        if (capture != null) {
            checkSince(
                    capture,
                    c,
                    TEST_MARK,
                    "during " + c.getDisplayName(),
                    c.getRequiredTestMethod(),
                    c.getRequiredTestClass());
            c.getParent().orElseThrow().getStore(NS).put(CLASS_MARK, capture.mark());
        }
    }

    @Override
    public void afterAll(ExtensionContext c) {
        ErrorCapture capture = ErrorCapture.get();
        if (capture != null) {
            checkSince(capture, c, CLASS_MARK, "in the tear-down of " + c.getDisplayName(), c.getRequiredTestClass());
        }
    }

    private static final String CLASS_MARK = "class";
    private static final String TEST_MARK = "test";

    /** Fails on the lines logged since {@code key}'s mark in {@code c} that no scope expects; moves the mark. */
    private static void checkSince(
            ErrorCapture capture, ExtensionContext c, String key, String when, AnnotatedElement... scopes) {
        Long mark = c.getStore(NS).get(key, Long.class);
        if (mark == null) {
            return;
        }
        c.getStore(NS).put(key, capture.mark());
        fail(unexpected(capture.since(mark), scopes), when);
    }

    static List<ErrorCapture.Line> unexpected(List<ErrorCapture.Line> lines, AnnotatedElement... scopes) {
        List<ExpectedError> allowed = new ArrayList<>();
        for (AnnotatedElement e : scopes) {
            allowed.addAll(Arrays.asList(e.getAnnotationsByType(ExpectedError.class)));
        }
        return lines.stream()
                .filter(l -> allowed.stream()
                        .noneMatch(a -> loggerIn(l.logger(), a.logger())
                                && (a.message().isEmpty()
                                        || Pattern.compile(a.message())
                                                .matcher(l.message())
                                                .find())))
                .toList();
    }

    /**
     * Whether {@code logger} is {@code prefix} or under it, also when a process's log pattern
     * abbreviated its package names ({@code i.r.c.ComputeManager} is {@code io.ramify.control.ComputeManager}).
     */
    static boolean loggerIn(String logger, String prefix) {
        if (logger.startsWith(prefix)) {
            return true;
        }
        String[] l = logger.split("\\.");
        String[] p = prefix.split("\\.");
        if (p.length > l.length) {
            return false;
        }
        for (int i = 0; i < p.length; i++) {
            boolean pkg = i < l.length - 1;
            if (pkg ? !p[i].startsWith(l[i]) : !l[i].startsWith(p[i])) {
                return false;
            }
        }
        return true;
    }

    private static void fail(List<ErrorCapture.Line> unexpected, String when) {
        if (!unexpected.isEmpty()) {
            throw new AssertionError(unexpected.size() + " unexpected ERROR line(s) of Ramify's logged " + when
                    + " (declare one the test provokes with @ExpectedError(logger, message, reason)):\n  "
                    + unexpected.stream().limit(20).map(Object::toString).collect(Collectors.joining("\n  ")));
        }
    }
}
