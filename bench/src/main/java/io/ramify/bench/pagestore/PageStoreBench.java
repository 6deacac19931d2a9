package io.ramify.bench.pagestore;

import io.ramify.bench.BenchDataDir;
import io.ramify.bench.Latencies;
import io.ramify.common.Generation;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.pagestore.client.Views;
import io.ramify.pagestore.proto.Block;
import io.ramify.pagestore.proto.BlockRef;
import io.ramify.pagestore.proto.TimelineUsage;
import io.ramify.pagestore.proto.View;
import io.ramify.wal.client.Ops;
import io.ramify.wal.client.TimelineWriter;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.TimelineStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures the page store on a 3-node ratis-wal and two page-store shards in this JVM: how fast
 * block writes of one timeline are ingested, what a GetBlock costs (hot, cold, concurrent,
 * batched), and what 100 branches that each rewrite 1% of a base cost in storage. Every block
 * read back is compared with what was written; a wrong or missing block ends the run with an
 * error instead of figures.
 */
@Command(
        name = "page-store",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmarks page-store ingest, GetBlock latency and throughput, and the storage cost of branches,",
            "on a 3-node ratis-wal and 2 page-store shards in one JVM on loopback.",
            "Prints progress on stderr and a markdown report on stdout."
        })
public final class PageStoreBench implements Callable<Integer> {
    static final int SHARDS = 2;
    static final int BLOCK = Images.BLOCK;
    /** The relation every timeline writes: one Postgres relation file (a segment holds up to 1 GiB). */
    static final String DB_DIR = "base/5";

    static final String REL = "base/5/16384";
    static final long INGEST_TAG = 1;
    static final long BASE_TAG = 2;
    /** Child i writes images tagged CHILD_TAG_BASE + i. */
    static final long CHILD_TAG_BASE = 1000;

    static final Generation GEN = Generation.of(1);
    static final int WARMUP_READS = 500;
    /** Blocks of the base read through each verified child view besides the child's own. */
    static final int VERIFY_BASE_SAMPLE = 256;

    @Option(
            names = "--ingest-mib",
            paramLabel = "MIB",
            description = "MiB of 8 KiB block images appended to one timeline (default: ${DEFAULT-VALUE}).")
    int ingestMib = 256;

    @Option(
            names = "--reads",
            paramLabel = "N",
            description =
                    "Timed single-block GetBlocks in each of the hot and cold passes (default: ${DEFAULT-VALUE}).")
    int reads = 2000;

    @Option(
            names = "--hot-blocks",
            paramLabel = "N",
            description = "Distinct blocks the hot pass cycles through (default: ${DEFAULT-VALUE}).")
    int hotBlocks = 16;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            description = "Duration of each throughput run (default: ${DEFAULT-VALUE}).")
    double seconds = 8;

    @Option(
            names = "--readers",
            paramLabel = "N",
            description = "Concurrent readers in the concurrent throughput runs (default: ${DEFAULT-VALUE}).")
    int readers = 8;

    @Option(
            names = "--batch",
            paramLabel = "N",
            description = "Blocks per GetBlocks call in the batched throughput runs (default: ${DEFAULT-VALUE}).")
    int batch = 64;

    @Option(
            names = "--base-blocks",
            paramLabel = "N",
            description = "Blocks of the base timeline in the branch test (default: ${DEFAULT-VALUE} = 100 MiB).")
    int baseBlocks = 12_800;

    @Option(
            names = "--children",
            paramLabel = "N",
            description = "Child timelines over the base (default: ${DEFAULT-VALUE}).")
    int children = 100;

    @Option(
            names = "--child-percent",
            paramLabel = "P",
            description = "Percent of the base's blocks each child rewrites, at random (default: ${DEFAULT-VALUE}).")
    double childPercent = 1.0;

    @Option(
            names = "--verify-children",
            paramLabel = "N",
            description = "Children whose views are read back and checked in full (default: ${DEFAULT-VALUE}).")
    int verifyChildren = 5;

    @Option(
            names = "--no-drop-caches",
            description = "Do not try to drop the OS page cache (needs root) before the cold pass.")
    boolean noDropCaches;

    @Option(
            names = "--ingest-timeout",
            paramLabel = "S",
            description = "Longest wait for the shards to ingest a timeline (default: ${DEFAULT-VALUE}).")
    int ingestTimeoutSeconds = 600;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = {
                "Parent of the run's fresh data directory, deleted afterwards; not a tmpfs "
                        + "(default: bench/target in the repository, else the JVM's temp dir)."
            })
    Path dataParent;

    @Option(names = "--keep-data", description = "Keep the run's data directory.")
    boolean keepData;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private Duration ingestTimeout;

    @Override
    public Integer call() throws Exception {
        if (ingestMib < 1
                || reads < 1
                || hotBlocks < 1
                || seconds <= 0
                || readers < 1
                || batch < 1
                || baseBlocks < 1
                || children < 1
                || childPercent <= 0
                || childPercent > 100
                || verifyChildren < 0
                || verifyChildren > children
                || ingestTimeoutSeconds < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "counts, sizes and durations must be positive, "
                            + "--child-percent at most 100 and --verify-children at most --children");
        }
        ingestTimeout = Duration.ofSeconds(ingestTimeoutSeconds);
        BenchDataDir.run("page-store-", dataParent, keepData, PageStoreBench::progress, this::run);
        return 0;
    }

    private void run(Path dir, Path root) throws Exception {
        if (Files.getFileStore(dir).type().equals("tmpfs")) {
            progress("WARNING: " + dir + " is on tmpfs; synced writes and cold reads cost nothing there");
        }
        List<String> machine = Machine.describe(dir, root);
        IngestResult ingest;
        ReadResult readsResult;
        progress("phase 1-2: starting " + Rig.WAL_NODES + " ratis-wal nodes and " + SHARDS + " page-store shards");
        try (Rig rig = Rig.start(dir.resolve("ingest"), SHARDS)) {
            try (WalClient wal = rig.walClient();
                    PageStoreClient ps = rig.pageStoreClient()) {
                ingest = ingest(rig, wal, ps);
                readsResult = reads(ps, ingest);
            }
            progress("stopping (Ratis may warn about cancelled streams as peers go away; that is expected)");
        }
        BranchResult branches;
        progress("phase 3: fresh ratis-wal and shards for the branch test");
        try (Rig rig = Rig.start(dir.resolve("branches"), SHARDS)) {
            branches = branches(rig);
            progress("stopping");
        }
        String command = ("bench/page-store "
                        + String.join(" ", spec.commandLine().getParseResult().originalArgs()))
                .trim();
        report(command, machine, ingest, readsResult, branches).forEach(System.out::println);
    }

    // ---------------------------------------------------------------- 1. ingest

    record IngestResult(
            TimelineId tl,
            long blocks,
            long lastSeq,
            long[] blocksPerShard,
            double appendSeconds,
            double endToEndSeconds,
            long walDiskBytes,
            long shardLiveBytes) {
        double mib() {
            return blocks * (double) BLOCK / (1 << 20);
        }
    }

    private IngestResult ingest(Rig rig, WalClient wal, PageStoreClient ps) throws Exception {
        long blocks = (long) ingestMib * (1 << 20) / BLOCK;
        TimelineId tl = TimelineId.random();
        WalClient.await(wal.createRoot(tl, SHARDS));
        TimelineWriter w = claimWriter(wal, tl);
        w.submit(Ops.file(FileEvent.Kind.MKDIR, DB_DIR, 0));
        w.submit(Ops.file(FileEvent.Kind.CREATE, REL, 0));
        long[] perShard = new long[SHARDS];
        progress("ingest: appending " + blocks + " blocks (" + ingestMib + " MiB), each after an EXTEND, to "
                + tl.shortForm());
        long step = Math.max(1, blocks / 4);
        long t0 = System.nanoTime();
        for (long b = 0; b < blocks; b++) {
            // As a compute extends a relation: the new size first, then the block's image.
            w.submit(Ops.extend(REL, (b + 1) * BLOCK, 0));
            w.submit(Ops.block(REL, b, Images.of(INGEST_TAG, b), 0));
            perShard[ps.ownerOf(REL, b)]++;
            if ((b + 1) % step == 0 && b + 1 < blocks) {
                progress(String.format(
                        Locale.ROOT,
                        "ingest: %d/%d blocks submitted after %.1f s",
                        b + 1,
                        blocks,
                        (System.nanoTime() - t0) / 1e9));
            }
        }
        long last = w.lastSubmittedSeq();
        w.flush().get(ingestTimeoutSeconds, TimeUnit.SECONDS);
        long appended = System.nanoTime();
        progress(String.format(
                Locale.ROOT,
                "ingest: all %d ops durable in ratis-wal after %.1f s; waiting for both shards",
                last,
                (appended - t0) / 1e9));
        rig.awaitIngested(tl, last, ingestTimeout);
        long ingested = System.nanoTime();
        progress(String.format(Locale.ROOT, "ingest: both shards at seq %d after %.1f s", last, (ingested - t0) / 1e9));
        return new IngestResult(
                tl,
                blocks,
                last,
                perShard,
                (appended - t0) / 1e9,
                (ingested - t0) / 1e9,
                rig.walDiskBytes().all(),
                rig.liveDbBytes());
    }

    private static TimelineWriter claimWriter(WalClient wal, TimelineId tl) {
        TimelineStatus s = WalClient.await(wal.claim(tl, GEN));
        return wal.writer(tl, GEN, s);
    }

    // ---------------------------------------------------------------- 2. reads

    record Throughput(int threads, int batch, long calls, long blocks, double seconds, Latencies.Summary perCall) {
        double blocksPerSecond() {
            return blocks / seconds;
        }
    }

    record ReadResult(Latencies.Summary hot, Latencies.Summary cold, String cacheDrop, List<Throughput> runs) {}

    private ReadResult reads(PageStoreClient ps, IngestResult in) throws Exception {
        View view = Views.root(in.tl(), in.lastSeq());
        long n = in.blocks();
        SplittableRandom rnd = new SplittableRandom(7);
        progress("reads: " + WARMUP_READS + " unmeasured random GetBlocks to warm up the JIT");
        singleReads(ps, view, in, rnd, WARMUP_READS, null);

        long[] hot = new long[(int) Math.min(hotBlocks, n)];
        TreeSet<Long> picked = new TreeSet<>();
        while (picked.size() < hot.length) {
            picked.add(rnd.nextLong(n));
        }
        int k = 0;
        for (long b : picked) {
            hot[k++] = b;
        }
        progress("reads: hot pass, " + reads + " GetBlocks over " + hot.length + " blocks");
        Latencies hotStats = new Latencies();
        for (long b : hot) { // each once untimed, so every one is in the block cache
            Images.check(ps.getBlock(view, REL, b, in.lastSeq()), REL, b, INGEST_TAG, "hot warm-up");
        }
        for (int i = 0; i < reads; i++) {
            long b = hot[i % hot.length];
            long t0 = System.nanoTime();
            Block got = ps.getBlock(view, REL, b, in.lastSeq());
            hotStats.add(System.nanoTime() - t0);
            Images.check(got, REL, b, INGEST_TAG, "hot read");
        }

        String drop = noDropCaches ? "not tried (--no-drop-caches)" : dropCaches();
        progress("reads: cold pass, " + reads + " GetBlocks of random blocks over all " + n + "; page cache " + drop);
        Latencies coldStats = new Latencies();
        singleReads(ps, view, in, rnd, reads, coldStats);

        List<Throughput> runs = new ArrayList<>();
        int[][] shapes = {{1, 1}, {readers, 1}, {1, batch}, {readers, batch}};
        for (int[] s : shapes) {
            progress(String.format(
                    Locale.ROOT, "reads: %.0f s with %d reader(s), %d block(s) per call", seconds, s[0], s[1]));
            runs.add(throughput(ps, view, in, s[0], s[1]));
        }
        return new ReadResult(hotStats.summary(), coldStats.summary(), drop, runs);
    }

    private static void singleReads(
            PageStoreClient ps, View view, IngestResult in, SplittableRandom rnd, int count, Latencies stats) {
        for (int i = 0; i < count; i++) {
            long b = rnd.nextLong(in.blocks());
            long t0 = System.nanoTime();
            Block got = ps.getBlock(view, REL, b, in.lastSeq());
            long took = System.nanoTime() - t0;
            if (stats != null) {
                stats.add(took);
            }
            Images.check(got, REL, b, INGEST_TAG, stats == null ? "warm-up read" : "cold read");
        }
    }

    /** Writes back dirty pages, then drops the page cache, dentries and inodes; says how it went. */
    private static String dropCaches() {
        try {
            Process sync = new ProcessBuilder("sync").inheritIO().start();
            if (!sync.waitFor(60, TimeUnit.SECONDS)) {
                sync.destroyForcibly();
                return "not dropped (sync did not finish in 60 s)";
            }
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            return "dropped (sync; echo 3 > /proc/sys/vm/drop_caches) just before";
        } catch (IOException e) {
            return "not dropped (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not dropped (interrupted)";
        }
    }

    private Throughput throughput(PageStoreClient ps, View view, IngestResult in, int threads, int perCall)
            throws Exception {
        Latencies perCallStats = new Latencies();
        AtomicLong calls = new AtomicLong();
        AtomicLong blocks = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            long t0 = System.nanoTime();
            long stopAt = t0 + (long) (seconds * 1e9);
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom rnd = new SplittableRandom(1000L * threads + 31L * perCall + t);
                workers.add(pool.submit(() -> {
                    List<BlockRef> refs = new ArrayList<>(perCall);
                    while (System.nanoTime() < stopAt) {
                        refs.clear();
                        for (int i = 0; i < perCall; i++) {
                            refs.add(BlockRef.newBuilder()
                                    .setFile(REL)
                                    .setBlock(rnd.nextLong(in.blocks()))
                                    .build());
                        }
                        long c0 = System.nanoTime();
                        List<Block> got = ps.getBlocks(view, refs, in.lastSeq());
                        perCallStats.add(System.nanoTime() - c0);
                        for (int i = 0; i < perCall; i++) {
                            Images.check(got.get(i), REL, refs.get(i).getBlock(), INGEST_TAG, "throughput read");
                        }
                        calls.incrementAndGet();
                        blocks.addAndGet(perCall);
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get(); // a failed check ends the run with its message
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            return new Throughput(threads, perCall, calls.get(), blocks.get(), elapsed, perCallStats.summary());
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- 3. branches

    record BranchResult(
            long baseBlocks,
            int children,
            int blocksPerChild,
            long baseOwnBytes,
            long childrenOwnBytes,
            long childrenVersions,
            Rig.DiskBytes baseOnlyDisk,
            long liveDbBytes,
            Rig.DiskBytes liveDisk,
            Rig.DiskBytes compactedDisk,
            double baseWriteSeconds,
            double childrenWriteSeconds,
            double childrenIngestSeconds,
            int verifiedChildren,
            long verifiedBlocks) {}

    private BranchResult branches(Rig rig) throws Exception {
        TimelineId base = TimelineId.random();
        long baseLast;
        long baseOwn;
        double baseSeconds;
        try (WalClient wal = rig.walClient();
                PageStoreClient ps = rig.pageStoreClient()) {
            progress("branches: base " + base.shortForm() + " writes " + baseBlocks + " blocks");
            WalClient.await(wal.createRoot(base, SHARDS));
            TimelineWriter w = claimWriter(wal, base);
            long t0 = System.nanoTime();
            w.submit(Ops.file(FileEvent.Kind.MKDIR, DB_DIR, 0));
            w.submit(Ops.file(FileEvent.Kind.CREATE, REL, 0));
            for (long b = 0; b < baseBlocks; b++) {
                w.submit(Ops.extend(REL, (b + 1) * BLOCK, 0));
                w.submit(Ops.block(REL, b, Images.of(BASE_TAG, b), 0));
            }
            baseLast = w.lastSubmittedSeq();
            w.flush().get(ingestTimeoutSeconds, TimeUnit.SECONDS);
            rig.awaitIngested(base, baseLast, ingestTimeout);
            baseSeconds = (System.nanoTime() - t0) / 1e9;
            baseOwn = ps.usage(List.of(base)).get(base).getOwnBytes();
        }
        progress("branches: base ingested; stopping the shards to compact and measure the base alone");
        rig.stopShards();
        rig.compactStoppedShards();
        Rig.DiskBytes baseDisk = rig.shardDiskBytes();
        rig.startShards();

        int perChild = (int) Math.max(1, Math.round(baseBlocks * childPercent / 100));
        List<TimelineId> kids = new ArrayList<>();
        List<long[]> kidBlocks = new ArrayList<>();
        long[] kidLast = new long[children];
        double childSeconds;
        double childIngestSeconds;
        long verifiedBlocks = 0;
        int[] verify = new int[verifyChildren];
        for (int i = 0; i < verifyChildren; i++) { // spread over the children, first and last included
            verify[i] = verifyChildren == 1 ? 0 : (int) ((long) i * (children - 1) / (verifyChildren - 1));
        }
        Map<TimelineId, TimelineUsage> usage;
        try (WalClient wal = rig.walClient();
                PageStoreClient ps = rig.pageStoreClient()) {
            progress("branches: " + children + " children each write " + perChild + " random blocks of the base");
            long t0 = System.nanoTime();
            for (int i = 0; i < children; i++) {
                TimelineId c = TimelineId.random();
                WalClient.await(wal.createRoot(c, SHARDS));
                TimelineWriter w = claimWriter(wal, c);
                long[] own = distinctBlocks(new SplittableRandom(5000 + i), perChild, baseBlocks);
                for (long b : own) {
                    w.submit(Ops.block(REL, b, Images.of(CHILD_TAG_BASE + i, b), 0));
                }
                kidLast[i] = w.lastSubmittedSeq();
                w.flush().get(ingestTimeoutSeconds, TimeUnit.SECONDS);
                kids.add(c);
                kidBlocks.add(own);
            }
            long written = System.nanoTime();
            childSeconds = (written - t0) / 1e9;
            for (int i = 0; i < children; i++) {
                rig.awaitIngested(kids.get(i), kidLast[i], ingestTimeout);
            }
            childIngestSeconds = (System.nanoTime() - written) / 1e9;
            progress(String.format(
                    Locale.ROOT,
                    "branches: children written in %.1f s, fully ingested %.1f s later; " + "verifying %d child views",
                    childSeconds,
                    childIngestSeconds,
                    verifyChildren));
            for (int i : verify) {
                verifiedBlocks += verifyChild(ps, base, baseLast, kids.get(i), kidLast[i], i, kidBlocks.get(i));
            }
            List<TimelineId> all = new ArrayList<>(kids);
            all.add(base);
            usage = ps.usage(all);
        }
        long childOwn = 0;
        long childVersions = 0;
        for (TimelineId c : kids) {
            TimelineUsage u = usage.get(c);
            if (u == null || u.getVersions() != perChild) {
                throw new IllegalStateException(
                        "child " + c.shortForm() + " has " + (u == null ? "no" : u.getVersions())
                                + " own versions in the shards' Usage, expected " + perChild);
            }
            childOwn += u.getOwnBytes();
            childVersions += u.getVersions();
        }
        long liveDb = rig.liveDbBytes();
        Rig.DiskBytes liveDisk = rig.shardDiskBytes();
        progress("branches: stopping the shards to compact and measure base + children");
        rig.stopShards();
        rig.compactStoppedShards();
        Rig.DiskBytes compacted = rig.shardDiskBytes();
        rig.startShards();
        try (PageStoreClient ps = rig.pageStoreClient()) { // the compaction must not have changed what is read
            int i = verify.length == 0 ? 0 : verify[verify.length - 1];
            verifiedBlocks += verifyChild(ps, base, baseLast, kids.get(i), kidLast[i], i, kidBlocks.get(i));
        }
        return new BranchResult(
                baseBlocks,
                children,
                perChild,
                baseOwn,
                childOwn,
                childVersions,
                baseDisk,
                liveDb,
                liveDisk,
                compacted,
                baseSeconds,
                childSeconds,
                childIngestSeconds,
                verify.length,
                verifiedBlocks);
    }

    private static long[] distinctBlocks(SplittableRandom rnd, int count, long range) {
        TreeSet<Long> s = new TreeSet<>();
        while (s.size() < count) {
            s.add(rnd.nextLong(range));
        }
        return s.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Reads the child's own blocks and a sample of the base's through the child view, and the
     * child's blocks through the base view (which must still show the base's images). Returns the
     * number of blocks checked.
     */
    private long verifyChild(
            PageStoreClient ps,
            TimelineId base,
            long baseLast,
            TimelineId child,
            long childLast,
            int index,
            long[] own) {
        View childView = Views.of(Views.level(child, childLast), Views.level(base, baseLast));
        View baseView = Views.root(base, baseLast);
        TreeSet<Long> ownSet = new TreeSet<>();
        List<BlockRef> refs = new ArrayList<>();
        for (long b : own) {
            ownSet.add(b);
            refs.add(BlockRef.newBuilder().setFile(REL).setBlock(b).build());
        }
        SplittableRandom rnd = new SplittableRandom(9000 + index);
        for (int i = 0; i < VERIFY_BASE_SAMPLE; i++) {
            refs.add(BlockRef.newBuilder()
                    .setFile(REL)
                    .setBlock(rnd.nextLong(baseBlocks))
                    .build());
        }
        String what = "child " + index + " view " + Views.describe(childView);
        List<Block> got = ps.getBlocks(childView, refs, childLast);
        for (int i = 0; i < refs.size(); i++) {
            long b = refs.get(i).getBlock();
            Images.check(got.get(i), REL, b, ownSet.contains(b) ? CHILD_TAG_BASE + index : BASE_TAG, what);
        }
        List<Block> underneath = ps.getBlocks(baseView, refs.subList(0, own.length), baseLast);
        for (int i = 0; i < own.length; i++) {
            Images.check(
                    underneath.get(i),
                    REL,
                    own[i],
                    BASE_TAG,
                    "base view " + Views.describe(baseView) + " (under child " + index + ")");
        }
        return refs.size() + own.length;
    }

    // ---------------------------------------------------------------- report

    private List<String> report(String command, List<String> machine, IngestResult in, ReadResult r, BranchResult br) {
        List<String> out = new ArrayList<>();
        out.add("Command: `" + command + "`");
        out.add("");
        out.addAll(machine);
        out.add("");
        out.add(String.format(
                Locale.ROOT,
                "**Ingest** — %d blocks of 8 KiB (%.0f MiB of images, random bytes), each "
                        + "after an EXTEND, %d ops, one root timeline, TimelineWriter with default batching (1 MiB batches, 32 MiB "
                        + "in flight); blocks per shard %s:",
                in.blocks(),
                in.mib(),
                in.lastSeq(),
                shardSplit(in.blocksPerShard())));
        out.add("");
        out.add("| measure | seconds | MiB/s of block images |");
        out.add("|---|---:|---:|");
        out.add(String.format(
                Locale.ROOT,
                "| append only: first submit → last op durable in ratis-wal | %.1f | %.1f |",
                in.appendSeconds(),
                in.mib() / in.appendSeconds()));
        out.add(String.format(
                Locale.ROOT,
                "| end to end: first submit → both shards ingested the last op | %.1f | %.1f |",
                in.endToEndSeconds(),
                in.mib() / in.endToEndSeconds()));
        out.add(String.format(
                Locale.ROOT,
                "| ingest tail: last op durable → both shards ingested | %.1f | — |",
                in.endToEndSeconds() - in.appendSeconds()));
        out.add("");
        out.add(String.format(
                Locale.ROOT,
                "After ingest: ratis-wal files on disk %s (3 nodes), shards' RocksDB " + "(SST + memtables) %s.",
                mib(in.walDiskBytes()),
                mib(in.shardLiveBytes())));
        out.add("");
        out.add("**GetBlock** through `PageStoreClient`, view = the ingested timeline at its last seq; every image "
                + "compared with what was written (the check is outside the timed call):");
        out.add("");
        out.add("| pass | calls | p50 ms | p99 ms | max ms |");
        out.add("|---|---:|---:|---:|---:|");
        out.add(latencyRow(
                "hot: " + Math.min(hotBlocks, in.blocks()) + " blocks, repeated (RocksDB block cache)", r.hot()));
        out.add(latencyRow("cold: random over all " + in.blocks() + " blocks; page cache " + r.cacheDrop(), r.cold()));
        out.add("");
        out.add("Throughput, random blocks over the whole data set (page cache warm from here on), " + fmt(seconds)
                + " s per run:");
        out.add("");
        out.add("| readers | blocks per call | calls | blocks/s | MiB/s | call p50 ms | call p99 ms |");
        out.add("|---:|---:|---:|---:|---:|---:|---:|");
        for (Throughput t : r.runs()) {
            out.add(String.format(
                    Locale.ROOT,
                    "| %d | %d | %d | %.0f | %.1f | %s | %s |",
                    t.threads(),
                    t.batch(),
                    t.calls(),
                    t.blocksPerSecond(),
                    t.blocksPerSecond() * BLOCK / (1 << 20),
                    ms(t.perCall().p50()),
                    ms(t.perCall().p99())));
        }
        out.add("");
        long full = br.children() * br.baseOwnBytes();
        out.add(String.format(
                Locale.ROOT,
                "**Branch cost** — base of %d blocks (%s of images), %d child timelines each "
                        + "writing %d random blocks of it (%s%%), read through views [(child, head), (base, base head)]; base written "
                        + "and ingested in %.1f s, children written in %.1f s and ingested %.1f s later; %d child views verified "
                        + "(%d block reads, own and inherited, plus the base view under them, once more after compaction):",
                br.baseBlocks(),
                mib(br.baseBlocks() * BLOCK),
                br.children(),
                br.blocksPerChild(),
                fmt(childPercent),
                br.baseWriteSeconds(),
                br.childrenWriteSeconds(),
                br.childrenIngestSeconds(),
                br.verifiedChildren(),
                br.verifiedBlocks()));
        out.add("");
        out.add("| what | bytes | MiB | ÷ " + br.children() + " full copies of the base |");
        out.add("|---|---:|---:|---:|");
        out.add(sizeRow("base, own bytes (Usage, both shards)", br.baseOwnBytes(), full));
        out.add(sizeRow(
                br.children() + " full copies of the base (" + br.children() + " × base own bytes)", full, full));
        out.add(sizeRow(
                br.children() + " children, own bytes (Usage; " + br.childrenVersions() + " versions)",
                br.childrenOwnBytes(),
                full));
        out.add(sizeRow(
                "on disk, base alone, after flush + full compaction (both shard dirs)",
                br.baseOnlyDisk().all(),
                -1));
        out.add(sizeRow(
                "on disk, base + children, live (before compaction; RocksDB WAL included)",
                br.liveDisk().all(),
                -1));
        out.add(sizeRow("shards' db_bytes gauge, live (SST + memtables)", br.liveDbBytes(), -1));
        out.add(sizeRow(
                "on disk, base + children, after flush + full compaction",
                br.compactedDisk().all(),
                -1));
        out.add(sizeRow("  of which SST files", br.compactedDisk().sst(), -1));
        long extra = br.compactedDisk().all() - br.baseOnlyDisk().all();
        out.add(sizeRow(
                "on disk, what the children added (compacted − base alone)",
                extra,
                br.children() * br.baseOnlyDisk().all()));
        out.add("");
        out.add("The last row's ratio is against " + br.children() + " × the base's compacted on-disk size; the "
                + "Usage rows' against " + br.children() + " × the base's own bytes.");
        return out;
    }

    private static String shardSplit(long[] perShard) {
        List<String> parts = new ArrayList<>();
        for (long n : perShard) {
            parts.add(Long.toString(n));
        }
        return String.join(" / ", parts);
    }

    private static String latencyRow(String pass, Latencies.Summary s) {
        return String.format(
                Locale.ROOT, "| %s | %d | %s | %s | %s |", pass, s.count(), ms(s.p50()), ms(s.p99()), ms(s.max()));
    }

    private static String sizeRow(String what, long bytes, long against) {
        return String.format(
                Locale.ROOT,
                "| %s | %d | %.1f | %s |",
                what,
                bytes,
                bytes / (double) (1 << 20),
                against > 0
                        ? String.format(Locale.ROOT, "%.4f (%.2f%%)", bytes / (double) against, 100.0 * bytes / against)
                        : "—");
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1e6);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static void progress(String message) {
        System.err.println("[page-store] " + message);
    }

    public static void main(String[] args) {
        int code = new CommandLine(new PageStoreBench()).execute(args);
        // Ratis and gRPC leave non-daemon threads behind after close; do not wait for them.
        System.exit(code);
    }
}
