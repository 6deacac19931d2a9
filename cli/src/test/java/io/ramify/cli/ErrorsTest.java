package io.ramify.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * How errors print: one line {@code error: …} and exit code 1, the stack trace only with
 * {@code --debug}.
 *
 * <p>Negative controls, tried: with {@code Ramify.commandLine()} not setting the execution
 * exception handler, picocli printed the stack trace and every test here failed; with
 * {@code handle} ignoring {@code --debug}, the two {@code --debug} tests failed.
 */
class ErrorsTest {
    @TempDir
    Path tmp;

    @Command(name = "t")
    static final class Throws implements Callable<Integer> {
        @CommandLine.Option(names = "--debug")
        boolean debug;

        @CommandLine.Option(names = "--expected")
        boolean expected;

        @Override
        public Integer call() {
            if (expected) {
                throw new UserError("the thing is missing; install it with: do-this");
            }
            throw new IllegalStateException("boom\nsecond line");
        }
    }

    record Run(int code, String err) {}

    static Run inProcess(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = Ramify.configure(new CommandLine(new Throws())).setErr(new PrintWriter(err, true));
        return new Run(cl.execute(args), err.toString());
    }

    @Test
    void anExpectedErrorIsOneLineAndExitCode1() {
        Run r = inProcess("--expected");
        assertEquals(1, r.code());
        assertEquals("error: the thing is missing; install it with: do-this" + System.lineSeparator(), r.err());
    }

    @Test
    void anUnexpectedErrorIsOneLineThatPointsAtDebug() {
        Run r = inProcess();
        assertEquals(1, r.code());
        assertEquals(
                "error: boom (unexpected IllegalStateException; run with --debug for details)" + System.lineSeparator(),
                r.err());
    }

    @Test
    void debugAddsTheStackTrace() {
        Run r = inProcess("--debug");
        assertEquals(1, r.code());
        assertTrue(
                r.err()
                        .startsWith(
                                "error: boom (unexpected IllegalStateException)\njava.lang.IllegalStateException: boom"),
                r.err());
        assertTrue(r.err().contains("\tat io.ramify.cli.ErrorsTest$Throws.call("), r.err());
    }

    /** The real command, as its own process: an expected error without and with --debug (global, given anywhere). */
    @Test
    void theRealCommandPrintsOneLineAndTheTraceOnlyWithDebug() throws Exception {
        Path none = tmp.resolve("none");
        Cli.Result plain = Cli.run(tmp, "connect", "main", "--data-dir", none.toString());
        assertEquals(1, plain.code(), plain::toString);
        assertEquals(
                List.of("error: no Ramify installation in " + none + " (no ramify.properties): start one with "
                        + "`ramify up --data-dir " + none
                        + "`, or point at yours with --data-dir DIR or RAMIFY_DATA_DIR"),
                plain.errLines(),
                plain::toString);
        assertFalse(plain.err().contains("\tat "), plain::toString);

        for (List<String> args :
                List.of(List.of("--debug", "connect", "main"), List.of("connect", "main", "--debug"))) {
            String[] argv = java.util.stream.Stream.concat(
                            args.stream(), java.util.stream.Stream.of("--data-dir", none.toString()))
                    .toArray(String[]::new);
            Cli.Result debug = Cli.run(tmp, argv);
            assertEquals(1, debug.code(), debug::toString);
            assertEquals(plain.errLines().get(0), debug.errLines().get(0), debug::toString);
            assertTrue(debug.err().contains("\tat io.ramify.cli.DataDirOption.installation("), debug::toString);
        }
    }
}
