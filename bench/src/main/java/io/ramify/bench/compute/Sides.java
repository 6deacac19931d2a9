package io.ramify.bench.compute;

import com.codahale.metrics.MetricRegistry;
import io.ramify.adapter.compute.Compute;
import io.ramify.cluster.FreePorts;
import io.ramify.cluster.LocalCluster;
import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.TimelineStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

/** The two systems under test, each with the operations the benchmark times on it. */
public final class Sides {
    private Sides() {}

    /** The pid a Postgres data directory's postmaster.pid names. */
    public static long postmasterPid(Path pidFile) throws IOException {
        return Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
    }

    public static int osId(String flag) {
        return Integer.parseInt(Processes.run(List.of("id", flag, VanillaPostgres.OS_USER), Duration.ofSeconds(10))
                .trim());
    }

    /** A Ramify compute on a root timeline of the storage cluster, and forks of it. */
    static final class Ramify implements AutoCloseable {
        final LocalCluster cluster;
        final WalClient wal;
        final TimelineId main = TimelineId.random();
        private final Path dir;
        private final int uid = osId("-u");
        private final int gid = osId("-g");
        private final Compute.Config mainConfig;
        private Compute compute;
        private int forks;

        Ramify(LocalCluster cluster, WalClient wal, Path dir) throws IOException {
            this.cluster = cluster;
            this.wal = wal;
            this.dir = Files.createDirectories(dir);
            this.mainConfig = config(main, "main");
        }

        private Compute.Config config(TimelineId tl, String name) {
            return new Compute.Config(
                    cluster.wal(),
                    cluster.shardAddresses(),
                    tl,
                    dir.resolve("mnt-" + name),
                    dir.resolve("work-" + name),
                    FreePorts.next(),
                    VanillaPostgres.OS_USER,
                    uid,
                    gid);
        }

        /** Creates the root timeline and starts the first compute on it (initdb -k through FUSE). */
        Starts.Sample create() throws Exception {
            WalClient.await(wal.createRoot(main, Storage.SHARDS));
            Storage.awaitKnown(cluster, main);
            if (!Storage.awaitPreferredLeader(cluster, wal, main)) {
                ComputeBench.progress("WARNING: the Raft group of timeline " + main.shortForm()
                        + " is not led by its preferred node; a leadership hand-over may fall into a measurement");
            }
            Starts.Started s = Starts.compute(
                    mainConfig,
                    "first start on a new root timeline (initdb -k through FUSE)",
                    Double.NaN,
                    Double.NaN,
                    this::shardWaits);
            compute = s.compute();
            return s.sample();
        }

        Endpoint endpoint() {
            return Starts.endpoint(mainConfig);
        }

        MetricRegistry metrics() {
            return compute.metrics();
        }

        long postmasterPid() throws IOException {
            return Long.parseLong(Files.readString(mainConfig.workDir().resolve("postgres.pid"))
                    .trim());
        }

        /** Clean stop (shutdown checkpoint, every op durable, unmount), then a new compute. */
        Starts.Sample restart(String what) throws Exception {
            long t = System.nanoTime();
            Compute old = compute;
            compute = null;
            old.close();
            double stopMillis = Starts.ms(t, System.nanoTime());
            Starts.Started s = Starts.compute(mainConfig, what, stopMillis, Double.NaN, this::shardWaits);
            compute = s.compute();
            return s.sample();
        }

        Starts.Sample crash(String what) throws Exception {
            return Starts.computeCrash(compute, mainConfig, what, this::shardWaits);
        }

        /**
         * Forks the main timeline at the end of the last complete record of its durable WAL, starts a
         * compute on the fork, checks pgbench's invariant there and stops it again.
         */
        Starts.Sample fork(String what, long historyRows) throws Exception {
            long t0 = System.nanoTime();
            // The durable head: the end of the last complete record of the committed WAL.
            TimelineStatus s = WalClient.await(wal.status(main));
            Lsn x = WalClient.await(wal.recordEndAtOrBefore(main, Lsn.of(s.getLastRecordEnd())));
            TimelineId child = TimelineId.random();
            WalClient.await(wal.createFork(child, main, x, Storage.SHARDS));
            Storage.awaitKnown(cluster, child);
            double createMillis = Starts.ms(t0, System.nanoTime());
            Compute.Config cfg = config(child, "fork" + ++forks);
            Starts.Started started = Starts.compute(cfg, what, Double.NaN, createMillis, this::shardWaits);
            try (Compute c = started.compute()) {
                Sql.checkInvariant(Starts.endpoint(cfg), historyRows, "fork at " + x);
            }
            return started.sample();
        }

        /** GetBlocks the shards answered only after waiting for ingestion, so far. */
        long shardWaits() {
            long n = 0;
            for (var s : Storage.shardServers(cluster)) {
                n += s.metrics().timer("pagestore.getblocks.wait").getCount();
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            if (compute != null) {
                compute.close();
                compute = null;
            }
        }
    }

    /** Stock Postgres on the local disk, same binaries and settings. */
    public static final class Vanilla implements AutoCloseable {
        static final Duration STOP_WAIT_MAX = Duration.ofMinutes(5);
        public final VanillaPostgres pg;
        public final Endpoint endpoint;

        public Vanilla(Path dir) {
            pg = VanillaPostgres.init(dir, List.of(), java.util.Map.of());
            endpoint = new Endpoint("vanilla", pg.socketDir(), pg.port());
        }

        Starts.Sample start(String what) throws Exception {
            return Starts.vanilla(pg, endpoint, what, Double.NaN);
        }

        public long postmasterPid() throws IOException {
            return Sides.postmasterPid(pg.dataDir().resolve("postmaster.pid"));
        }

        /**
         * Fast shutdown (SIGINT, as the compute stops its Postgres), timed until the postmaster is
         * gone; then a timed start.
         */
        Starts.Sample restart(String what) throws Exception {
            long t = System.nanoTime();
            stop();
            return Starts.vanilla(pg, endpoint, what, Starts.ms(t, System.nanoTime()));
        }

        void stop() throws IOException, InterruptedException {
            long pid = postmasterPid();
            Processes.run(List.of("kill", "-INT", Long.toString(pid)), Duration.ofSeconds(10));
            long deadline = System.nanoTime() + STOP_WAIT_MAX.toNanos();
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("vanilla postgres " + pid + " did not stop within " + STOP_WAIT_MAX);
                }
                Thread.sleep(1);
            }
        }

        /** kill -9 of the postmaster; VanillaPostgres waits for it and its backends to go. */
        Starts.Sample crash(String what) throws Exception {
            pg.crash();
            return Starts.vanilla(pg, endpoint, what, Double.NaN);
        }

        @Override
        public void close() {
            try {
                if (Files.exists(pg.dataDir().resolve("postmaster.pid"))) {
                    stop();
                }
            } catch (IOException | RuntimeException e) {
                ComputeBench.progress("stopping vanilla postgres: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pg.close();
        }
    }

    /** Throws unless both servers run with the same values of {@code names}; returns them. */
    public static List<String[]> sameSettings(Endpoint a, Endpoint b, List<String> names) throws SQLException {
        var va = Sql.settings(a, names);
        var vb = Sql.settings(b, names);
        List<String[]> rows = new java.util.ArrayList<>();
        for (String n : names) {
            if (!va.get(n).equals(vb.get(n))) {
                throw new IllegalStateException("setting " + n + " differs: " + a.name() + " " + va.get(n) + ", "
                        + b.name() + " " + vb.get(n) + "; the comparison would be unfair");
            }
            rows.add(new String[] {n, va.get(n)});
        }
        return rows;
    }
}
