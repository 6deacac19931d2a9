package io.ramify.bench.writepath;

import io.ramify.bench.Latencies;
import io.ramify.bench.compute.Pgbench;
import java.util.Map;

/**
 * One measured step of one configuration: a pgbench run ({@code run}; null for the load) or the
 * load ({@code load}), its wall time, the CPU of each of the configuration's process groups, of
 * pgbench and of the benchmark's JVM (neither part of any configuration), the CPU of the rest of
 * the machine meanwhile, the fdatasync+fsync calls per storage node (null when
 * they could not be counted), the bytes the machine wrote to the data directory's disk meanwhile
 * ({@link io.ramify.bench.DiskMeter}; -1 unknown), Ramify's storage figures (null for the others) and the CHECKPOINT
 * that followed a read-write run (null otherwise), and the wall seconds of the warm-up load that
 * preceded the first measured load on fresh servers (null otherwise).
 */
record Measurement(
        Workload workload,
        String config,
        String title,
        int rep,
        double wallSeconds,
        Pgbench.Run run,
        Pgbench.Init load,
        Map<String, Double> cpuSeconds,
        double clientCpuSeconds,
        double benchCpuSeconds,
        double machineBusyCores,
        double otherCores,
        Map<String, Long> syncs,
        long diskBytes,
        RamifyFigures ramify,
        Checkpoint checkpoint,
        Double coldLoadSeconds) {

    /** Transactions pgbench committed in the step (0 for the load). */
    long txns() {
        return run == null ? 0 : run.processed();
    }

    /** CPU seconds of all the configuration's processes. */
    double cpuTotalSeconds() {
        return cpuSeconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * Ramify's storage over the step: Raft entries committed in the timeline's group and in all
     * groups, bytes the state machines appended (the timeline's group; all groups), and the FUSE
     * fsyncs Postgres made with their waits.
     */
    record RamifyFigures(
            long timelineEntries,
            long allEntries,
            long timelineBytes,
            long allBytes,
            long fuseFsyncs,
            long fuseFsyncsDropped,
            Latencies.Summary fsyncWait,
            Map<String, Long> computeCountDeltas) {}

    /** A CHECKPOINT command: its wall time and the buffers it wrote (pg_stat_bgwriter). */
    record Checkpoint(double seconds, long buffers) {
        /** Milliseconds per 1000 buffers written; NaN when it wrote none. */
        double msPerThousandBuffers() {
            return buffers == 0 ? Double.NaN : seconds * 1e6 / buffers;
        }
    }
}
