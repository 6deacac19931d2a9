package io.ramify.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The logs of every part this JVM started as a process, each with the offset it had when the part
 * started, so that the test framework ({@code NoUnexpectedErrors} in test-support) can read the
 * ERROR lines those processes wrote since, as it reads this JVM's own.
 */
public final class ProcessLogs {
    private static final Map<Path, Long> FROM = new LinkedHashMap<>();

    private ProcessLogs() {}

    /** Reads {@code log} from its present end on; the fixture calls it for each process it starts. */
    public static synchronized void register(Path log) {
        long size;
        try {
            size = Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            size = 0;
        }
        FROM.putIfAbsent(log, size);
    }

    /** Each log with the offset at which this JVM's first process writing it started. */
    public static synchronized Map<Path, Long> registered() {
        return Map.copyOf(FROM);
    }
}
