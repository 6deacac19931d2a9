package io.ramify.bench.writepath;

import java.util.ArrayList;
import java.util.List;

/**
 * One pgbench workload the configurations are compared on: the load ({@code pgbench -i}), the
 * built-in TPC-B-like read-write script, or select-only ({@code -S}).
 */
record Workload(Kind kind, int clients, int threads) {
    enum Kind {
        LOAD,
        READ_WRITE,
        READ_ONLY
    }

    /** pgbench threads for {@code clients}: half the clients (-c 4 -j 2), at least one. */
    static Workload of(Kind kind, int clients) {
        return new Workload(kind, clients, Math.max(1, clients / 2));
    }

    /** pgbench's arguments besides -T, logging and the connection. */
    List<String> args() {
        List<String> a = new ArrayList<>();
        if (kind == Kind.READ_ONLY) {
            a.add("-S");
        }
        a.addAll(List.of("-n", "-c", Integer.toString(clients), "-j", Integer.toString(threads)));
        return a;
    }

    /** Short, for labels and file names: {@code load}, {@code rw-c4}, {@code ro-c4}. */
    String label() {
        return switch (kind) {
            case LOAD -> "load";
            case READ_WRITE -> "rw-c" + clients;
            case READ_ONLY -> "ro-c" + clients;
        };
    }

    /** As the report's headings name it. */
    String title(int scale, int seconds) {
        return kind == Kind.LOAD ? "pgbench -i -s " + scale : "pgbench " + String.join(" ", args()) + " -T " + seconds;
    }
}
