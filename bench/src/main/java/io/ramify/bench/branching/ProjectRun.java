package io.ramify.bench.branching;

import io.ramify.bench.Latencies;
import io.ramify.common.Lsn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.Set;

/**
 * One project of the run (one pgbench scale) and everything measured on it. The branches it created
 * are tracked by name, oldest first, with the timeline the API returned, until each has been seen
 * in the branch listing and, if room was needed, deleted.
 */
final class ProjectRun {
    final String name;
    final int scale;
    int mainPort;

    // ---- the load
    double loadSeconds;
    long databaseBytes;
    Lsn lsnBeforeLoad;
    Lsn lsnAfterLoad;
    Instant timeBeforeLoad;
    Instant timeAfterLoad;

    // ---- branches this run created and has not deleted: name -> timeline (hex), oldest first
    final SequencedMap<String, String> live = new LinkedHashMap<>();
    /** Created but not yet seen in a listing. */
    final Set<String> unlisted = new LinkedHashSet<>();

    final Set<String> deleted = new LinkedHashSet<>();
    int created;
    int listingsChecked;
    long fullListingNanos;
    int fullListingBranches;

    // ---- figures
    final Latencies headRunning = new Latencies();
    /** Head creations in order, nanoseconds, for the trend over the run. */
    final List<Long> headSeries = new ArrayList<>();

    final Latencies headStopped = new Latencies();
    final Latencies atLsn = new Latencies();
    final Latencies atTime = new Latencies();
    final Latencies deletes = new Latencies();
    /** The control plane's steps replayed with timers, in order. */
    final Map<String, Latencies> steps = new LinkedHashMap<>();

    final Latencies stepsTotal = new Latencies();
    /** The same with main's compute stopped (no CHECKPOINT). */
    final Map<String, Latencies> stoppedSteps = new LinkedHashMap<>();

    final Latencies stoppedStepsTotal = new Latencies();
    final List<Start> newBranchStarts = new ArrayList<>();
    final List<Start> mainRestarts = new ArrayList<>();
    final Latencies mainStops = new Latencies();

    ProjectRun(String name, int scale) {
        this.name = name;
        this.scale = scale;
    }

    String branches() {
        return "/v1/projects/" + name + "/branches";
    }

    String branch(String b) {
        return branches() + "/" + b;
    }

    String label() {
        return name + " (scale " + scale + ")";
    }

    /**
     * One compute start measured from the API call to the first answered query.
     *
     * @param apiNanos the {@code compute/start} call, until it answered RUNNING
     * @param queryNanos psql {@code SELECT 1} over TCP, process start to exit
     * @param computeMillis the compute's own start (claim, mount, Postgres ready), from the endpoint message; -1 unknown
     * @param postgresMillis Postgres from "starting PostgreSQL" to "ready to accept connections" in its log; -1 unknown
     * @param redoMillis redo (crash recovery) elapsed as Postgres logged it; 0 when no redo ran, -1 unknown
     * @param checkpointMillis the end-of-recovery checkpoint, from its log lines; -1 when none ran
     * @param againNanos a second psql {@code SELECT 1} right after the first (new process, new connection)
     * @param startReads page-store GetBlocks calls during the compute/start call
     * @param queryReads page-store GetBlocks calls during the first query
     */
    record Start(
            long totalNanos,
            long apiNanos,
            long queryNanos,
            long computeMillis,
            long postgresMillis,
            long redoMillis,
            long checkpointMillis,
            long againNanos,
            Stack.Reads startReads,
            Stack.Reads queryReads) {}
}
