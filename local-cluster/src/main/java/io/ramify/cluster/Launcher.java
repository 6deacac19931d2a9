package io.ramify.cluster;

import io.ramify.common.ServerJvm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a part placed in a process of its own is started: the command line of its JVM. The default
 * runs {@link io.ramify.common.server.ServerMain} on this JVM's class path; {@code ramify up} and
 * the chaos tests run the {@code ramify} command's main class instead, exactly as a deployment does.
 */
public interface Launcher {
    /** The command that runs {@code role} with {@code args} (its {@code --option value} pairs) for part {@code part}. */
    List<String> command(String part, String role, List<String> args);

    /** The heap of each role's JVM, unless a launcher is told otherwise. */
    Map<String, String> HEAP_DEFAULTS = Map.of("wal-server", "1g", "page-store", "1g", "control", "2g");

    /** A JVM on this JVM's class path running {@code mainClass ROLE ARGS}, with Ramify's server JVM options. */
    static Launcher java(String mainClass) {
        return java(mainClass, ServerJvm.OPTIONS, List.of());
    }

    /**
     * As {@link #java(String)}, with {@code jvmOptions} in place of {@link ServerJvm#OPTIONS} and {@code
     * trailingArgs} after the role's own (e.g. {@code --debug}).
     */
    static Launcher java(String mainClass, List<String> jvmOptions, List<String> trailingArgs) {
        return (part, role, args) -> {
            List<String> cmd = new ArrayList<>(List.of(
                    javaBinary(),
                    "--enable-native-access=ALL-UNNAMED",
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Xmx" + HEAP_DEFAULTS.getOrDefault(role, "1g")));
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass, role));
            cmd.addAll(args);
            cmd.addAll(trailingArgs);
            return cmd;
        };
    }

    /** The {@code java} of this JVM. */
    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
