package io.ramify.bench.writepath;

import io.ramify.adapter.compute.Compute;
import io.ramify.bench.BenchServers;
import io.ramify.bench.compute.CpuMeter;
import io.ramify.bench.compute.Endpoint;
import io.ramify.bench.compute.Sides;
import io.ramify.bench.compute.Storage;
import io.ramify.cluster.FreePorts;
import io.ramify.cluster.LocalCluster;
import io.ramify.common.TimelineId;
import io.ramify.testsupport.VanillaPostgres;
import io.ramify.wal.client.WalClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stock Postgres 15 as a Ramify compute: a storage cluster ({@link Storage}: three
 * ratis-wal node JVMs, two page-store shard JVMs) and the compute-adapter with its Postgres in a
 * JVM of its own ({@link ComputeNode}) on a new root timeline. Its cost is all of those processes.
 */
final class RamifySetup implements Setup {
    static final String KEY = "ramify";

    final LocalCluster cluster;
    private final WalClient wal;
    private final TimelineId timeline = TimelineId.random();
    private final int group;
    private final List<String> groupIds8;
    private final Endpoint endpoint;
    private ComputeProcess compute;

    /** The storage side of Ramify at one moment. */
    record StorageSample(WalScrape.Snapshot wal, Map<String, Long> computeCounts) {}

    RamifySetup(Path dir) throws Exception {
        cluster = Storage.start(Files.createDirectories(dir.resolve("cluster")), true);
        try {
            wal = cluster.walClient();
            WalClient.await(wal.createRoot(timeline, Storage.SHARDS));
            Storage.awaitKnown(cluster, timeline);
            if (!Storage.awaitPreferredLeader(cluster, wal, timeline)) {
                WritePathBench.progress("WARNING: the Raft group of timeline " + timeline.shortForm()
                        + " is not led by its preferred node; a leadership hand-over may fall into a measurement");
            }
            group = wal.groupOf(timeline);
            groupIds8 = WalScrape.ids8(cluster.wal());
            Path work = Files.createDirectories(dir.resolve("compute"));
            Compute.Config config = new Compute.Config(
                    cluster.wal(),
                    cluster.shardAddresses(),
                    timeline,
                    work.resolve("mnt"),
                    work.resolve("work"),
                    FreePorts.next(),
                    VanillaPostgres.OS_USER,
                    Sides.osId("-u"),
                    Sides.osId("-g"));
            endpoint = new Endpoint("Ramify", config.workDir().resolve("socket"), config.port());
            WritePathBench.progress(
                    "Ramify: starting the compute process (initdb -k through FUSE on a new root timeline)");
            compute = ComputeProcess.start(config, cluster.shardAddresses(), work.resolve("compute.log"));
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    @Override
    public String key() {
        return KEY;
    }

    @Override
    public String title() {
        return "Ramify";
    }

    @Override
    public Endpoint endpoint() {
        return endpoint;
    }

    /** The Raft group (index) the compute's timeline lives in. */
    int timelineGroup() {
        return group;
    }

    @Override
    public Map<String, Long> cpuTicks() throws IOException {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("postgres", CpuMeter.treeTicks(compute.postmasterPid()));
        out.put("adapter", CpuMeter.ownTicks(compute.pid()));
        List<Long> nodes = BenchServers.pids(cluster.walNodes());
        for (int i = 0; i < nodes.size(); i++) {
            out.put("n" + i, CpuMeter.ownTicks(nodes.get(i)));
        }
        List<Long> shards = BenchServers.pids(cluster.shards());
        for (int i = 0; i < shards.size(); i++) {
            out.put("shard" + i, CpuMeter.ownTicks(shards.get(i)));
        }
        return out;
    }

    @Override
    public Map<String, List<Long>> syncNodes(Map<Long, long[]> table) throws IOException {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        List<Long> nodes = BenchServers.pids(cluster.walNodes());
        for (int i = 0; i < nodes.size(); i++) {
            out.put("n" + i, List.of(nodes.get(i)));
        }
        out.put("postgres", Setup.tree(table, compute.postmasterPid()));
        out.put("adapter", List.of(compute.pid()));
        List<Long> shards = BenchServers.pids(cluster.shards());
        for (int i = 0; i < shards.size(); i++) {
            out.put("shard" + i, List.of(shards.get(i)));
        }
        return out;
    }

    @Override
    public void checkReady() throws IOException {
        compute.checkAlive();
    }

    StorageSample storage() throws IOException {
        return new StorageSample(
                WalScrape.read(BenchServers.metricsPorts(cluster.walNodes()), groupIds8), compute.counts());
    }

    RecordingReservoir.Drained drainFsyncs() throws IOException {
        return compute.drainFsyncs();
    }

    @Override
    public void close() {
        if (compute != null) {
            compute.close();
            compute = null;
        }
        if (wal != null) {
            try {
                wal.close();
            } catch (IOException | RuntimeException e) {
                WritePathBench.progress("closing the WAL client: " + e.getMessage());
            }
        }
        try {
            cluster.close();
        } catch (IOException e) {
            WritePathBench.progress("stopping the storage cluster: " + e.getMessage());
        }
    }
}
