package io.ramify.cli;

import io.ramify.common.server.ServerOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;

/**
 * What the server subcommands ({@code wal-server}, {@code page-store}, {@code control}) share: their
 * picocli options become the {@link ServerOptions} of the matching {@link
 * io.ramify.common.server.ServerRole}, whose {@code config} builds the server's configuration, the
 * same code the local-cluster fixture starts a server with; then the server runs until SIGTERM,
 * after printing a line starting with {@code ready: } (what the fixture and {@code ramify up} wait
 * for).
 */
final class ServerCommands {
    /** Options of every command that are no server option: picocli's own, {@code --debug}, {@code --config}. */
    static final Set<String> NOT_SERVER_OPTIONS = Set.of("help", "version", "debug", "config");

    private ServerCommands() {}

    /** The role's option names a command offers: its long options without dashes, less {@link #NOT_SERVER_OPTIONS}. */
    static Set<String> serverOptionNames(CommandSpec spec) {
        Set<String> names = new java.util.TreeSet<>();
        for (OptionSpec o : spec.options()) {
            String name = o.longestName().substring(2);
            if (!NOT_SERVER_OPTIONS.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    /** Every server option of the command that has a value (given, from --config, or its default), as text. */
    static ServerOptions options(CommandSpec spec) {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> names = serverOptionNames(spec);
        for (OptionSpec o : spec.options()) {
            String name = o.longestName().substring(2);
            Object v = o.getValue();
            if (names.contains(name) && v != null) {
                values.put(name, v.toString());
            }
        }
        return new ServerOptions(values);
    }

    /** The role's configuration from the options; an option it rejects is a usage error naming it (exit 2). */
    static <T> T config(CommandSpec spec, ServerOptions options, ConfigOf<T> role) throws java.io.IOException {
        try {
            return role.config(options);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * Prints {@code ready: } and {@code describe}, then waits until SIGTERM or Ctrl-C, when the
     * server is closed.
     */
    static <S extends AutoCloseable> int runUntilStopped(S server, Function<S, String> describe, String what)
            throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                server.close();
                            } catch (Exception e) {
                                System.err.println("error while stopping " + what + ": " + e);
                            }
                            stopped.countDown();
                        },
                        "shutdown"));
        System.out.println(io.ramify.cluster.Part.READY_PREFIX + describe.apply(server));
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** A role's {@code config(ServerOptions)}. */
    @FunctionalInterface
    interface ConfigOf<T> {
        T config(ServerOptions options) throws java.io.IOException;
    }
}
