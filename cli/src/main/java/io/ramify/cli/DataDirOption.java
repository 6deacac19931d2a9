package io.ramify.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How every command finds the installation: {@code --data-dir DIR}, else {@code $RAMIFY_DATA_DIR},
 * else {@code ./.ramify} (what {@code ramify up} makes). Its port file ({@code ramify.properties})
 * names the control plane's API port.
 */
public final class DataDirOption {
    static final String ENV = "RAMIFY_DATA_DIR";
    static final String DEFAULT = ".ramify";

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "The installation (default: $RAMIFY_DATA_DIR or ./.ramify, as `ramify up` makes it).")
    Path dataDir;

    /** Whether the directory was chosen explicitly (by --data-dir or $RAMIFY_DATA_DIR). */
    boolean given() {
        return dataDir != null || env() != null;
    }

    /** The installation directory, not necessarily existing. */
    Path path() {
        if (dataDir != null) {
            return dataDir;
        }
        String env = env();
        return Path.of(env == null ? DEFAULT : env);
    }

    private static String env() {
        String env = System.getenv(ENV);
        return env == null || env.isEmpty() ? null : env;
    }

    /** The option that reproduces this choice on another command, e.g. " --data-dir /x" (empty for the default). */
    String asOption() {
        return dataDir == null ? "" : " --data-dir " + dataDir;
    }

    /** The installation, its port file loaded; an error saying what to do when there is none. */
    Local installation() {
        Local local = new Local(path());
        if (!local.exists()) {
            throw new UserError("no Ramify installation in " + local.dir + " (no "
                    + local.file().getFileName() + "): "
                    + "start one with `ramify up" + asOption() + "`, or point at yours with --data-dir DIR or " + ENV
                    + (given() ? "" : " (or --api URL)"));
        }
        try {
            local.load();
            local.apiPort();
        } catch (IOException | RuntimeException e) {
            throw new UserError(
                    "cannot read the API port (api.port) from " + local.file() + ": " + e.getMessage() + "; `ramify up"
                            + asOption() + "` writes it",
                    e);
        }
        return local;
    }
}
