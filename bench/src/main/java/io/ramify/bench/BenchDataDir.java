package io.ramify.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Where a benchmark keeps its data: a fresh directory under {@code --data-dir}, else under
 * {@code bench/target} when the launcher script names the repository, else the system temp
 * directory; deleted afterwards unless asked to keep it.
 */
public final class BenchDataDir {
    /** Set by the bench scripts to the repository root. */
    public static final String ROOT_PROPERTY = "ramify.root";

    /** What a benchmark runs with its data directory and the repository root. */
    public interface Body {
        void run(Path dir, Path root) throws Exception;
    }

    private BenchDataDir() {}

    public static void run(String prefix, Path dataParent, boolean keepData, Consumer<String> progress, Body body)
            throws Exception {
        Path root = Path.of(System.getProperty(ROOT_PROPERTY, "."));
        Path parent = dataParent != null
                ? dataParent
                : System.getProperty(ROOT_PROPERTY) != null
                        ? root.resolve("bench/target")
                        : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(parent);
        Path dir = Files.createTempDirectory(parent, prefix);
        try {
            body.run(dir, root);
        } finally {
            if (keepData) {
                progress.accept("kept data in " + dir);
            } else {
                deleteTree(dir);
            }
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
