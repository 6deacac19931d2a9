package io.ramify.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code ramify up} needs on this machine, checked before it starts anything: the same list
 * as {@code bin/prerequisites} (which installs the Debian packages when run as root). A missing
 * piece is an expected error naming it and the one command that installs it.
 */
final class Prerequisites {
    /** Where Debian's postgresql-15 puts its binaries ({@code -Dramify.pg.bin}, as the compute adapter reads it). */
    static Path pgBin() {
        return Path.of(System.getProperty("ramify.pg.bin", "/usr/lib/postgresql/15/bin"));
    }

    static final List<Path> LIBFUSE = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/libfuse3.so.3"),
            Path.of("/lib/x86_64-linux-gnu/libfuse3.so.3"),
            Path.of("/usr/lib/aarch64-linux-gnu/libfuse3.so.3"),
            Path.of("/lib/aarch64-linux-gnu/libfuse3.so.3"));
    static final Path DEV_FUSE = Path.of("/dev/fuse");

    /** One missing piece: what it is, and the Debian package that brings it (null when no package does). */
    record Missing(String what, String pkg) {}

    /** What is missing for running Ramify with Postgres as {@code osUser}; empty when nothing is. */
    static List<Missing> missing(String osUser) {
        List<Missing> out = new ArrayList<>();
        if (Runtime.version().feature() < 25) {
            out.add(new Missing("Java 25 (this is Java " + Runtime.version() + "; set JAVA_HOME_25)", null));
        }
        Path pg = pgBin();
        for (String b : List.of("postgres", "initdb", "pg_ctl")) {
            if (!Files.isExecutable(pg.resolve(b))) {
                out.add(new Missing(pg.resolve(b).toString(), "postgresql-15"));
                break;
            }
        }
        if (!Files.isExecutable(pg.resolve("pg_dump"))) {
            out.add(new Missing(pg.resolve("pg_dump").toString(), "postgresql-client-15"));
        }
        if (onPath("fusermount3") == null) {
            out.add(new Missing("fusermount3", "fuse3"));
        }
        if (LIBFUSE.stream().noneMatch(Files::exists)) {
            out.add(new Missing("libfuse3.so.3", "libfuse3-3"));
        }
        if (isRoot() && onPath("runuser") == null) {
            out.add(new Missing("runuser", "util-linux"));
        }
        if (!Files.exists(DEV_FUSE)) {
            out.add(new Missing(
                    "/dev/fuse (load the fuse kernel module, or give the container the device: "
                            + "--device /dev/fuse)",
                    null));
        }
        if (!userExists(osUser)) {
            out.add(new Missing("the OS user " + osUser + " that Postgres runs as", null));
        }
        return out;
    }

    /** Throws the error {@code ramify up} reports when something is missing. */
    static void check(String osUser) {
        List<Missing> missing = missing(osUser);
        if (!missing.isEmpty()) {
            throw new UserError(message(missing, osUser, isRoot()));
        }
    }

    /** One line: what is missing, then the one command to run. */
    static String message(List<Missing> missing, String osUser, boolean root) {
        Set<String> pkgs = new LinkedHashSet<>();
        missing.stream().filter(m -> m.pkg() != null).forEach(m -> pkgs.add(m.pkg()));
        StringBuilder b = new StringBuilder("missing prerequisites: ");
        b.append(String.join(
                ", ",
                missing.stream()
                        .map(m -> m.pkg() == null ? m.what() : m.what() + " (" + m.pkg() + ")")
                        .toList()));
        boolean userMissing = missing.stream().anyMatch(m -> m.what().startsWith("the OS user"));
        if (!pkgs.isEmpty() || userMissing) {
            String script = System.getProperty("ramify.home");
            String sudo = root ? "" : "sudo ";
            if (script != null) {
                b.append("; install with: ")
                        .append(sudo)
                        .append(Path.of(script, "bin", "prerequisites"))
                        .append(" --install")
                        .append("postgres".equals(osUser) ? "" : " --os-user " + osUser);
            } else if (!pkgs.isEmpty()) {
                b.append("; install with: ")
                        .append(sudo)
                        .append("apt-get install -y --no-install-recommends ")
                        .append(String.join(" ", pkgs));
                if (userMissing) {
                    b.append(" && ")
                            .append(sudo)
                            .append("useradd --system --create-home --shell /bin/bash ")
                            .append(osUser);
                }
            } else {
                b.append("; create it with: ")
                        .append(sudo)
                        .append("useradd --system --create-home --shell /bin/bash ")
                        .append(osUser)
                        .append(" (or pass --os-user)");
            }
        }
        return b.toString();
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static Path onPath(String command) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin:/usr/sbin:/sbin" : path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Path.of(dir, command);
            }
        }
        return null;
    }

    static boolean userExists(String user) {
        try {
            ComputeCommand.osId(user, "-u");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
