package io.ramify.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Java ahead-of-time cache per server role (JEP 483, 514, 515): classes loaded and linked, and
 * the method profiles of a training run, mapped at the next start, so a server reaches compiled
 * code sooner instead of re-learning the same Ratis, gRPC and Netty paths after every start.
 *
 * <p>The first server of a role started without a cache trains one ({@code -XX:AOTCacheOutput});
 * the JVM writes it when that server stops cleanly ({@code ramify down}), and every later start of
 * that role maps it ({@code -XX:AOTCache}). A cache is only valid for the exact class path and JVM
 * it was trained with, so its file name carries a digest of both (jar names, sizes, modification
 * times, the Java version): a rebuilt or upgraded installation trains a new one rather than the
 * JVM refusing a stale one at every start. A missing or unusable cache is never an error: the JVM
 * then starts as it would without one.
 */
public final class AotCache {
    private AotCache() {}

    /** What a start does with the cache of its role. */
    public enum Use {
        MAP,
        TRAIN,
        NONE
    }

    /** The cache file of {@code role} for this class path and JVM, under {@code dir}. */
    public static Path file(Path dir, String role, String classPath) {
        return dir.resolve(role + "-" + digest(classPath) + ".aot");
    }

    /**
     * The JVM options for a server of {@code role}: map the cache if it exists, else train it if
     * {@code trainer} (one server per role, so that two JVMs never write the same file), else none.
     */
    public static List<String> options(Path dir, String role, String classPath, boolean trainer) {
        Path f = file(dir, role, classPath);
        return switch (use(f, trainer)) {
            case MAP -> List.of("-XX:AOTCache=" + f, QUIET);
            case TRAIN -> {
                try {
                    Files.createDirectories(dir); // the JVM does not: it would log an error and train nothing
                } catch (IOException e) {
                    yield List.of(); // no cache this time; the server starts as without one
                }
                yield List.of("-XX:AOTCacheOutput=" + f, QUIET);
            }
            case NONE -> List.of();
        };
    }

    /**
     * Only errors: training warns of every class it cannot keep (hundreds of lines, such as JFR's
     * event classes) in the server's log, which helps nobody at 3 a.m.
     */
    static final String QUIET = "-Xlog:aot*=error";

    static Use use(Path cache, boolean trainer) {
        if (Files.isRegularFile(cache)) {
            return Use.MAP;
        }
        return trainer ? Use.TRAIN : Use.NONE;
    }

    /** 16 hex digits over the Java version and each class-path entry's name, size and time. */
    static String digest(String classPath) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
            for (String entry : classPath.split(java.io.File.pathSeparator)) {
                Path p = Path.of(entry);
                String stamp = entry;
                try {
                    stamp += "|" + Files.size(p) + "|"
                            + Files.getLastModifiedTime(p).toMillis();
                } catch (IOException e) {
                    stamp += "|absent";
                }
                md.update(stamp.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
