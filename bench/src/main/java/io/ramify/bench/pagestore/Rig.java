package io.ramify.bench.pagestore;

import io.ramify.bench.BenchServers;
import io.ramify.cluster.LocalCluster;
import io.ramify.cluster.Part;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.PageStoreClientConfig;
import io.ramify.pagestore.server.PageStoreServer;
import io.ramify.wal.client.WalClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * The benchmark's probes on a local-cluster fixture of a 3-node ratis-wal (3 Raft groups) and N
 * page-store shards, all in this JVM on loopback, each node and shard with its own directory under
 * the fixture's. The fixture stops and starts a shard again on the same directory and port, which
 * is how the benchmark gets at the shards' RocksDB to compact it ({@link #compactStoppedShards}).
 */
final class Rig implements AutoCloseable {
    static final int WAL_NODES = 3;
    static final int WAL_GROUPS = 3;
    private static final long POLL_MILLIS = 2;

    final LocalCluster cluster;

    private Rig(LocalCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts the fixture: the nodes, then every Raft group's leadership moved to its preferred node
     * (g mod 3), which it must reach (a hand-over in the middle of a measurement stalls appends for
     * a second or more), then the shards.
     */
    static Rig start(Path dir, int shardCount) throws IOException {
        Rig rig = new Rig(LocalCluster.builder(dir)
                .name(BenchServers.CLUSTER_NAME)
                .walNodes(WAL_NODES, WAL_GROUPS)
                .walOptions(i -> BenchServers.METRICS_OFF)
                .shards(shardCount)
                .shardOptions(s -> BenchServers.METRICS_OFF)
                .balanceLeaders()
                .start());
        try {
            BenchServers.requireBalancedLeaders(rig.cluster);
            return rig;
        } catch (IOException | RuntimeException e) {
            rig.close();
            throw e;
        }
    }

    private List<Part> shards() {
        return cluster.shards();
    }

    private PageStoreServer server(int shard) {
        return cluster.shard(shard).server(PageStoreServer.class);
    }

    /** Each shard cleanly stopped (its RocksDB closed), in shard order. */
    void stopShards() throws IOException {
        for (Part s : shards()) {
            s.stop();
        }
    }

    /** Each shard started again on its directory and port. */
    void startShards() throws IOException {
        for (Part s : shards()) {
            s.start();
        }
    }

    WalClient walClient() {
        return cluster.walClient();
    }

    PageStoreClient pageStoreClient() {
        return new PageStoreClient(cluster.shardAddresses(), PageStoreClientConfig.DEFAULT);
    }

    /** Waits until every shard has made {@code tl} durable up to {@code seq}. */
    void awaitIngested(TimelineId tl, long seq, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < shards().size(); i++) {
            while (server(i).ingested(tl) < seq) {
                if (System.nanoTime() > deadline) {
                    StringBuilder b = new StringBuilder(
                            "shards did not ingest " + tl.shortForm() + " up to " + seq + " in " + timeout + ":");
                    for (int s = 0; s < shards().size(); s++) {
                        b.append("\n  ").append(server(s).healthJson());
                    }
                    throw new IllegalStateException(b.toString());
                }
                Thread.sleep(POLL_MILLIS);
            }
        }
    }

    /** What the running shards' RocksDBs report: SST files plus memtables (the shard's db_bytes gauge). */
    long liveDbBytes() {
        long sum = 0;
        for (int i = 0; i < shards().size(); i++) {
            sum += ((Number) server(i)
                            .metrics()
                            .getGauges()
                            .get("pagestore.db_bytes")
                            .getValue())
                    .longValue();
        }
        return sum;
    }

    /**
     * With the shards stopped: opens each shard's RocksDB (LZ4 on every level, as the shard sets
     * it), flushes the memtable and compacts the whole key range, so the files hold each key once.
     */
    void compactStoppedShards() {
        for (Part s : shards()) {
            if (s.running()) {
                throw new IllegalStateException(s.name() + " is running; stop it before compacting");
            }
            try (Options o = new Options()
                            .setCompressionType(CompressionType.LZ4_COMPRESSION)
                            .setBottommostCompressionType(CompressionType.LZ4_COMPRESSION);
                    RocksDB db = RocksDB.open(o, s.dataDir().toString());
                    FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
                db.flush(f);
                db.compactRange();
            } catch (RocksDBException e) {
                throw new IllegalStateException("cannot compact " + s.name() + "'s RocksDB in " + s.dataDir(), e);
            }
        }
    }

    /** Bytes of all files under the shard directories, and of just their SST files. */
    DiskBytes shardDiskBytes() {
        long all = 0;
        long sst = 0;
        for (Part s : shards()) {
            DiskBytes d = diskBytes(s.dataDir());
            all += d.all();
            sst += d.sst();
        }
        return new DiskBytes(all, sst);
    }

    DiskBytes walDiskBytes() {
        long all = 0;
        for (Part n : cluster.walNodes()) {
            all += diskBytes(n.dataDir()).all();
        }
        return new DiskBytes(all, 0);
    }

    private static DiskBytes diskBytes(Path root) {
        // A running RocksDB deletes files while we walk; walk again when that trips the walk itself.
        for (int attempt = 1; ; attempt++) {
            try {
                return walkOnce(root);
            } catch (UncheckedIOException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static DiskBytes walkOnce(Path root) {
        long[] sums = new long[2];
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).forEach(p -> {
                try {
                    long size = Files.size(p);
                    sums[0] += size;
                    if (p.getFileName().toString().endsWith(".sst")) {
                        sums[1] += size;
                    }
                } catch (IOException e) {
                    // a file RocksDB removed while we walked: it no longer counts
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DiskBytes(sums[0], sums[1]);
    }

    /** Apparent sizes of files, in bytes: everything, and the SST files among them. */
    record DiskBytes(long all, long sst) {}

    @Override
    public void close() throws IOException {
        cluster.close();
    }
}
