package io.ramify.bench.writepath;

import io.ramify.bench.compute.Endpoint;
import io.ramify.bench.compute.Sql;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One configuration under test: where pgbench connects, which processes are its cost, and the
 * checks that make its figures valid. Process groups are named as the report prints them.
 */
interface Setup extends AutoCloseable {
    /** As in {@code --configs}: vanilla, standbys, ramify. */
    String key();

    /** As the report prints it. */
    String title();

    Endpoint endpoint();

    /** CPU ticks now of each of its process groups ({@link io.ramify.bench.compute.CpuMeter}). */
    Map<String, Long> cpuTicks() throws IOException;

    /**
     * Per storage node (each Postgres server; each ratis-wal node), the processes whose fdatasync
     * and fsync calls are counted: every pid listed is attached, and what they start later is
     * followed.
     */
    Map<String, List<Long>> syncNodes(Map<Long, long[]> table) throws IOException;

    /** Throws unless the configuration is as it should be before a measured run. */
    default void checkReady() throws Exception {}

    /**
     * Throws unless pgbench's balance invariant holds and the history has exactly {@code historyRows}
     * rows (everywhere the data is: standbys too).
     */
    default void checkAfter(long historyRows, String when) throws Exception {
        Sql.checkInvariant(endpoint(), historyRows, when);
    }

    /** Every pid of the tree under {@code root} in {@code table} (root first); empty when it is gone. */
    static List<Long> tree(Map<Long, long[]> table, long root) {
        List<Long> out = new java.util.ArrayList<>();
        if (!table.containsKey(root)) {
            return out;
        }
        java.util.ArrayDeque<Long> todo = new java.util.ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.poll();
            out.add(pid);
            table.forEach((p, s) -> {
                if (s[0] == pid) {
                    todo.add(p);
                }
            });
        }
        return out;
    }
}
