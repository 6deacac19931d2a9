package io.ramify.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An ERROR that Ramify's own code logs during this test (or, on a class, during any of its tests)
 * because the test provokes it, and why; {@link NoUnexpectedErrors} fails a test on any other.
 * Keep each as narrow as the test allows: the logger that logs it and a part of its message.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Repeatable(ExpectedErrors.class)
public @interface ExpectedError {
    /** The logger's name, or a prefix of it (e.g. {@code io.ramify.adapter.fs.RamifyFs}). */
    String logger();

    /** A regular expression found in the message (not necessarily the whole of it); any if empty. */
    String message() default "";

    /** Why the test provokes this error. */
    String reason();
}
