package io.ramify.bench.writepath;

import com.codahale.metrics.Timer;
import io.ramify.adapter.compute.Compute;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.WalCluster;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * One compute (compute-adapter and its Postgres) in a JVM of its own, started by {@link
 * ComputeProcess}, so that /proc tells the adapter's CPU apart from the benchmark's and the
 * page-store shards'. Its FUSE fsync timer records every value ({@link RecordingReservoir}) and
 * the parent drains them around each phase. It talks over stdin and stdout, one line each way
 * (logs go to stderr):
 *
 * <pre>
 *   (start)  -> ready                    Postgres answers; its pid is in WORK/postgres.pid
 *   counts   -> counts NAME=COUNT ...      every counter's and timer's count now
 *   fsync    -> fsync DROPPED NANOS ...    FUSE fsync waits since the last "fsync"
 *   stop     -> stopped                    after a clean stop of the compute
 * </pre>
 */
public final class ComputeNode {
    static final String FSYNC_TIMER = "adapter.fuse.fsync";

    private ComputeNode() {}

    /** Args: CLUSTER ID=HOST:PORT,... GROUPS SHARDS(host:port,...) TIMELINE MOUNT WORK PORT OS_USER UID GID. */
    public static void main(String[] args) throws Exception {
        PrintStream reply = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        System.setOut(System.err); // stdout carries the protocol only
        if (args.length != 11) {
            System.err.println(
                    "usage: ComputeNode CLUSTER ID=HOST:PORT,... GROUPS SHARDS TIMELINE MOUNT WORK PORT OS_USER "
                            + "UID GID");
            System.exit(2);
        }
        WalCluster wal = new WalCluster(args[0], WalCluster.parseNodes(args[1]), Integer.parseInt(args[2]));
        Compute.Config config = new Compute.Config(
                wal,
                List.of(args[3].split(",")),
                TimelineId.parse(args[4]),
                Path.of(args[5]),
                Path.of(args[6]),
                Integer.parseInt(args[7]),
                args[8],
                Integer.parseInt(args[9]),
                Integer.parseInt(args[10]));
        Compute compute = new Compute(config);
        RecordingReservoir fsyncs = new RecordingReservoir();
        // Registered before the mount exists: the FUSE layer takes the timer of this name from the registry.
        compute.metrics().register(FSYNC_TIMER, new Timer(fsyncs));
        compute.start();
        reply.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            switch (line.trim()) {
                case "counts" -> reply.println(counts(compute));
                case "fsync" -> {
                    RecordingReservoir.Drained d = fsyncs.drain();
                    StringBuilder s = new StringBuilder("fsync ").append(d.dropped());
                    Arrays.stream(d.values()).forEach(v -> s.append(' ').append(v));
                    reply.println(s);
                }
                case "stop" -> {
                    compute.close();
                    reply.println("stopped");
                    System.exit(0);
                }
                default -> reply.println("error unknown command: " + line);
            }
        }
        compute.close(); // the parent went away
        System.exit(0);
    }

    private static String counts(Compute compute) {
        TreeMap<String, Long> m = new TreeMap<>();
        compute.metrics().getCounters().forEach((n, c) -> m.put(n, c.getCount()));
        compute.metrics().getTimers().forEach((n, t) -> m.put(n, t.getCount()));
        StringBuilder s = new StringBuilder("counts");
        m.forEach((n, v) -> s.append(' ').append(n).append('=').append(v));
        return s.toString();
    }
}
