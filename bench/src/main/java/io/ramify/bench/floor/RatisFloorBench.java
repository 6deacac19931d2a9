package io.ramify.bench.floor;

import io.ramify.bench.BenchServers;
import io.ramify.bench.Latencies;
import io.ramify.bench.compute.CpuMeter;
import io.ramify.cluster.FreePorts;
import io.ramify.cluster.LocalCluster;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.client.WalCluster;
import io.ramify.wal.proto.TimelineStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The floor under a commit's cost: how much CPU three Ratis JVMs on this machine spend per
 * one-entry commit when the state machine does nothing ({@link FloorNode}, ratis-wal's Raft
 * settings), side by side with ratis-wal itself (three node processes of the local-cluster fixture,
 * one group, WAL ops of the same size, one timeline per client). Each client commits one entry and waits for it, as
 * Postgres does at {@code pgbench -c 1}. Markdown on stdout, progress on stderr.
 */
@Command(
        name = "ratis-floor",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "CPU per one-entry commit of bare Ratis (a state machine that applies nothing,",
            "ratis-wal's Raft settings) and of ratis-wal, three node JVMs each, side by side."
        })
public final class RatisFloorBench implements Callable<Integer> {
    static final int NODES = 3;
    static final long START_WAIT_SECONDS = 90;
    static final long REQUEST_WAIT_SECONDS = 30;

    @Option(names = "--seconds", description = "Measured seconds per client count (default: ${DEFAULT-VALUE}).")
    int seconds = 60;

    @Option(names = "--warmup-seconds", description = "Unmeasured seconds before each (default: ${DEFAULT-VALUE}).")
    int warmupSeconds = 60;

    @Option(
            names = "--bytes",
            description =
                    "Payload bytes per commit (default: ${DEFAULT-VALUE}: " + "about a pgbench transaction's WAL).")
    int bytes = 1200;

    @Option(names = "--clients", split = ",", description = "Concurrent committers (default: 1,4).")
    List<Integer> clients = List.of(1, 4);

    @Option(names = "--data-dir", description = "Parent of the run's data directory (default: bench/target).")
    Path dataDir;

    enum Kind {
        BARE("bare Ratis (applies nothing)"),
        RATIS_WAL("ratis-wal (WAL op per commit)");

        final String title;

        Kind(String title) {
            this.title = title;
        }
    }

    record Row(
            Kind kind,
            int clients,
            long commits,
            double seconds,
            double[] nodeCpuSeconds,
            double clientCpuSeconds,
            Latencies.Summary latency,
            long diskBytes) {}

    @Override
    public Integer call() throws Exception {
        Path root = dataDir != null ? dataDir : Path.of(System.getProperty("ramify.root", "."), "bench", "target");
        Path run = Files.createTempDirectory(Files.createDirectories(root), "ratis-floor-");
        List<Row> rows = new ArrayList<>();
        List<double[]> idle = new ArrayList<>();
        try {
            for (Kind k : Kind.values()) {
                try (Nodes n = Nodes.start(k, run.resolve(k.name().toLowerCase(Locale.ROOT)), bytes)) {
                    for (int c : clients) {
                        progress(k.title + ", " + c + " client(s): warm-up " + warmupSeconds + " s");
                        load(k, n, c, warmupSeconds, "warm-up");
                        progress(k.title + ", " + c + " client(s): measuring " + seconds + " s");
                        rows.add(load(k, n, c, seconds, "measured"));
                    }
                    progress(k.title + ", idle after the loads: " + seconds + " s");
                    idle.add(idleCores(n, seconds));
                }
            }
        } finally {
            io.ramify.bench.BenchDataDir.deleteTree(run);
        }
        report(rows, idle);
        return 0;
    }

    /** Cores each node used over {@code secs} with no client (heartbeats, timers, JIT, GC). */
    private static double[] idleCores(Nodes n, int secs) throws InterruptedException {
        long[] a = n.cpuTicks();
        long t0 = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(secs));
        long[] b = n.cpuTicks();
        double wall = (System.nanoTime() - t0) / 1e9;
        double[] cores = new double[NODES];
        for (int i = 0; i < NODES; i++) {
            cores[i] = (b[i] - a[i]) / CpuMeter.TICKS_PER_SECOND / wall;
        }
        progress(String.format(Locale.ROOT, "  idle: %.3f cores on the three nodes", cores[0] + cores[1] + cores[2]));
        return cores;
    }

    private Row load(Kind k, Nodes n, int c, int secs, String label) throws Exception {
        LongAdder commits = new LongAdder();
        Latencies lat = new Latencies();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        List<Committer> committers = new ArrayList<>();
        for (int i = 0; i < c; i++) {
            committers.add(k == Kind.BARE ? n.bareCommitter() : n.walCommitter(new Random(i)));
        }
        long[] cpu0 = n.cpuTicks();
        long disk0 = n.disk.writtenBytes();
        long self0 = CpuMeter.ownTicks(ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        for (Committer cm : committers) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    long s = System.nanoTime();
                    cm.commitOne();
                    lat.add(System.nanoTime() - s);
                    commits.increment();
                }
            }));
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(secs));
        stop.set(true);
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(REQUEST_WAIT_SECONDS));
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        long[] cpu1 = n.cpuTicks();
        long disk1 = n.disk.writtenBytes();
        long self1 = CpuMeter.ownTicks(ProcessHandle.current().pid());
        double[] nodeCpu = new double[NODES];
        for (int i = 0; i < NODES; i++) {
            nodeCpu[i] = (cpu1[i] - cpu0[i]) / CpuMeter.TICKS_PER_SECOND;
        }
        Row r = new Row(
                k,
                c,
                commits.sum(),
                wall,
                nodeCpu,
                (self1 - self0) / CpuMeter.TICKS_PER_SECOND,
                lat.summary(),
                disk1 - disk0);
        progress(String.format(
                Locale.ROOT,
                "  %s: %.0f commits/s, %.2f ms CPU per commit on the nodes",
                label,
                r.commits / wall,
                nodesCpu(r) * 1000 / r.commits));
        return r;
    }

    private static double nodesCpu(Row r) {
        double s = 0;
        for (double v : r.nodeCpuSeconds) {
            s += v;
        }
        return s;
    }

    private void report(List<Row> rows, List<double[]> idle) {
        System.out.println("Each commit is one Raft entry of " + bytes + " payload bytes, committed by a majority "
                + "(fsynced) and applied on all three nodes; " + seconds + " s measured after " + warmupSeconds
                + " s of warm-up; nodes' JVM options " + BenchServers.serverJavaOptions() + ".");
        System.out.println();
        System.out.println("| nodes | clients | commits/s | latency p50 / p99 ms | CPU ms per commit: nodes "
                + "(each, highest first) | client JVM | KiB written to the disk per commit (machine) |");
        System.out.println("|---|---:|---:|---:|---|---:|---:|");
        for (Row r : rows) {
            double[] each = r.nodeCpuSeconds.clone();
            java.util.Arrays.sort(each);
            System.out.println(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.0f | %.2f / %.2f | %.2f (%.2f, %.2f, %.2f) | %.2f | %.1f |",
                    r.kind.title,
                    r.clients,
                    r.commits / r.seconds,
                    r.latency.p50() / 1e6,
                    r.latency.p99() / 1e6,
                    nodesCpu(r) * 1000 / r.commits,
                    each[2] * 1000 / r.commits,
                    each[1] * 1000 / r.commits,
                    each[0] * 1000 / r.commits,
                    r.clientCpuSeconds * 1000 / r.commits,
                    r.diskBytes / 1024.0 / r.commits));
        }
        idleReport(idle);
    }

    private static void idleReport(List<double[]> idle) {
        System.out.println();
        System.out.println("Idle after the loads (no client; warm JVMs): cores used by the nodes, all three (each).");
        System.out.println();
        for (int i = 0; i < idle.size(); i++) {
            double[] c = idle.get(i);
            System.out.println(String.format(
                    Locale.ROOT,
                    "- %s: %.3f (%.3f, %.3f, %.3f)",
                    Kind.values()[i].title,
                    c[0] + c[1] + c[2],
                    c[0],
                    c[1],
                    c[2]));
        }
    }

    static void progress(String s) {
        System.err.println("[ratis-floor] " + s);
    }

    /** One committer: commits one entry and waits until it is committed. */
    interface Committer {
        void commitOne();
    }

    /**
     * Three node processes of one kind, and the clients that talk to them: bare Ratis ({@link
     * FloorNode}s, started here) or ratis-wal (a local-cluster fixture of three node processes).
     */
    static final class Nodes implements AutoCloseable {
        static final long HEAP_MIB = 1024;
        static final long POLL_MILLIS = 50;
        final Kind kind;
        final WalCluster cluster;
        /** The bare Ratis node processes. */
        final List<Process> processes = new ArrayList<>();
        /** The ratis-wal nodes. */
        private LocalCluster walNodes;

        private RaftClient bare;
        private WalClient wal;
        private final byte[] payload;
        final io.ramify.bench.DiskMeter disk;

        private Nodes(Kind kind, WalCluster cluster, int bytes, Path dir) {
            this.disk = io.ramify.bench.DiskMeter.of(dir);
            this.kind = kind;
            this.cluster = cluster;
            this.payload = new byte[bytes];
            new Random(7).nextBytes(payload);
        }

        static Nodes start(Kind k, Path dir, int bytes) throws IOException, InterruptedException {
            Files.createDirectories(dir);
            Nodes n = k == Kind.BARE ? startBare(dir, bytes) : startWal(dir, bytes);
            n.connect();
            return n;
        }

        private static Nodes startWal(Path dir, int bytes) throws IOException {
            LocalCluster c = LocalCluster.builder(dir)
                    .name("floor")
                    .walNodes(NODES, 1)
                    .walIn(LocalCluster.Placement.PROCESS)
                    .walOptions(i -> BenchServers.METRICS_OFF)
                    .launcher(BenchServers.launcher(HEAP_MIB + "m", BenchServers.serverJavaOptions()))
                    .start();
            Nodes n = new Nodes(Kind.RATIS_WAL, c.wal(), bytes, dir);
            n.walNodes = c;
            return n;
        }

        private static Nodes startBare(Path dir, int bytes) throws IOException, InterruptedException {
            List<WalCluster.Node> spec = new ArrayList<>();
            for (int i = 0; i < NODES; i++) {
                spec.add(new WalCluster.Node("n" + i, "127.0.0.1", FreePorts.next()));
            }
            WalCluster cluster = new WalCluster("floor", spec, 1);
            Nodes n = new Nodes(Kind.BARE, cluster, bytes, dir);
            StringBuilder peers = new StringBuilder();
            for (WalCluster.Node x : spec) {
                peers.append(peers.isEmpty() ? "" : ",")
                        .append(x.id())
                        .append('=')
                        .append(x.address());
            }
            for (int i = 0; i < NODES; i++) {
                Path data = Files.createDirectories(dir.resolve("n" + i));
                List<String> cmd = BenchServers.javaCommand(
                        HEAP_MIB + "m",
                        BenchServers.serverJavaOptions(),
                        FloorNode.class.getName(),
                        List.of("floor", peers.toString(), "n" + i, data.toString()));
                n.processes.add(new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(
                                dir.resolve("n" + i + ".log").toFile()))
                        .start());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_WAIT_SECONDS);
            try {
                for (int i = 0; i < NODES; i++) {
                    awaitReady(n.processes.get(i), dir.resolve("n" + i + ".log"), "node n" + i, deadline);
                }
            } catch (IOException e) {
                n.close();
                throw e;
            }
            return n;
        }

        /** Waits until {@code p} prints {@link FloorNode#READY} on a line of its own in {@code log}. */
        private static void awaitReady(Process p, Path log, String what, long deadline)
                throws IOException, InterruptedException {
            while (!Files.readString(log).lines().anyMatch(FloorNode.READY::equals)) {
                if (System.nanoTime() > deadline || !p.isAlive()) {
                    throw new IOException(what + " did not start; its output:\n" + Files.readString(log));
                }
                Thread.sleep(POLL_MILLIS);
            }
        }

        private void connect() {
            if (kind == Kind.BARE) {
                RaftProperties p = new RaftProperties();
                bare = RaftClient.newBuilder()
                        .setProperties(p)
                        .setRaftGroup(cluster.group(0))
                        .build();
            } else {
                wal = WalClient.connect(cluster, WalClientConfig.DEFAULT);
            }
        }

        Committer bareCommitter() {
            Message m = Message.valueOf(ByteString.copyFrom(payload));
            return () -> {
                try {
                    RaftClientReply r = bare.async().send(m).get(REQUEST_WAIT_SECONDS, TimeUnit.SECONDS);
                    if (!r.isSuccess()) {
                        throw new IllegalStateException("commit failed: " + r.getException());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
        }

        /** A timeline of its own, claimed; each commit appends one WAL op of the payload's size. */
        Committer walCommitter(Random rnd) {
            TimelineId tl = TimelineId.random();
            WalClient.await(wal.createRoot(tl, 1));
            TimelineStatus s = WalClient.await(wal.claim(tl, Generation.of(1)));
            TimelineWriter w = wal.writer(tl, Generation.of(1), s);
            long[] lsn = {0x1000000L};
            return () -> {
                byte[] data = payload.clone();
                data[0] = (byte) rnd.nextInt();
                w.submit(Ops.wal(lsn[0], data, lsn[0] + data.length));
                lsn[0] += data.length;
                try {
                    w.flush().get(REQUEST_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
        }

        long[] cpuTicks() {
            List<Long> pids = walNodes != null
                    ? BenchServers.pids(walNodes.walNodes())
                    : processes.stream().map(Process::pid).toList();
            long[] t = new long[NODES];
            for (int i = 0; i < NODES; i++) {
                t[i] = CpuMeter.ownTicks(pids.get(i));
            }
            return t;
        }

        @Override
        public void close() {
            try {
                if (bare != null) {
                    bare.close();
                }
                if (wal != null) {
                    wal.close();
                }
            } catch (IOException e) {
                progress("closing the client: " + e);
            }
            for (Process p : processes) {
                p.destroyForcibly();
            }
            if (walNodes != null) {
                try {
                    walNodes.close();
                } catch (IOException e) {
                    progress("stopping the ratis-wal nodes: " + e);
                }
            }
        }
    }

    public static void main(String[] args) {
        int code = new CommandLine(new RatisFloorBench()).execute(args);
        System.exit(code); // Ratis and gRPC leave non-daemon threads behind
    }
}
