package io.ramify.cli;

import io.ramify.control.http.ApiException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code ramify} command: one entry point for every Ramify process and tool. An error prints
 * one line {@code error: …} on stderr and exits with 1 ({@link #handle}); {@code --debug} adds the
 * stack trace.
 */
@Command(
        name = "ramify",
        mixinStandardHelpOptions = true,
        version = "ramify 0.1.0",
        description = "Copy-on-write branches for stock PostgreSQL on a Raft-replicated storage cluster.",
        subcommands = {
            UpCommand.class,
            DownCommand.class,
            ProjectCommand.class,
            BranchCommand.class,
            ComputeCommand.class,
            ConnectCommand.class,
            DiffCommand.class,
            WalServerCommand.class,
            PageStoreCommand.class,
            ControlCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Ramify implements Runnable {
    /** Exit code of every error the command reports (usage errors: picocli's 2). */
    static final int ERROR = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "On an error, print its stack trace too.")
    boolean debug;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line: {@code main} runs it; tests run it in process. */
    static CommandLine commandLine() {
        return configure(new CommandLine(new Ramify()));
    }

    static CommandLine configure(CommandLine cl) {
        return cl.setCaseInsensitiveEnumValuesAllowed(true).setExecutionExceptionHandler(Ramify::handle);
    }

    /**
     * An exception out of a command: one line {@code error: MESSAGE}. An expected error
     * ({@link UserError}, an API error) says what to do in its message; anything else is a bug or
     * a surprise, and the line says so and how to see more. {@code --debug} prints the stack trace.
     */
    static int handle(Exception ex, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        Throwable e = ex;
        while ((e instanceof java.util.concurrent.CompletionException
                        || e instanceof java.util.concurrent.ExecutionException
                        || e instanceof java.lang.reflect.UndeclaredThrowableException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        boolean debug = debug(parsed);
        if (e instanceof UserError || e instanceof ApiException) {
            err.println("error: " + firstLine(e.getMessage()));
        } else {
            err.println("error: " + (e.getMessage() == null ? e.getClass().getName() : firstLine(e.getMessage()))
                    + " (unexpected " + e.getClass().getSimpleName()
                    + (debug ? ")" : "; run with --debug for details)"));
        }
        if (debug) {
            e.printStackTrace(err);
        }
        err.flush();
        return ERROR;
    }

    /** Whether {@code --debug} was given, on the command or any of its parents. */
    static boolean debug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
