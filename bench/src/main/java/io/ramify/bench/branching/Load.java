package io.ramify.bench.branching;

import io.ramify.cluster.Part;
import io.ramify.common.Lsn;
import io.ramify.control.Views;
import io.ramify.pagestore.client.PageStoreClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Makes one project per scale through the API, starts its main compute and loads it with
 * {@code pgbench -i} over TCP; then waits until the page-store shards have ingested everything,
 * checkpoints every main and lets the machine settle, so the branch figures do not measure the
 * tail of a load.
 */
final class Load {
    private static final long QUIET_POLL_MILLIS = 1000;

    /** What the loads left behind, for the report. */
    record Result(double catchUpSeconds, long walBytes, long shardBytes) {}

    private final Stack stack;
    private final Rest rest;
    private final PageStoreClient pages;
    private final Duration max;
    private final Duration settle;
    private final Consumer<String> progress;

    Load(Stack stack, Rest rest, PageStoreClient pages, Duration max, Duration settle, Consumer<String> progress) {
        this.stack = stack;
        this.rest = rest;
        this.pages = pages;
        this.max = max;
        this.settle = settle;
        this.progress = progress;
    }

    Result loadAll(List<ProjectRun> projects) throws Exception {
        for (ProjectRun p : projects) {
            load(p);
        }
        long t0 = System.nanoTime();
        long deadline = t0 + max.toNanos();
        long lag;
        while ((lag = Stack.ingestLagOps(pages)) > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the page-store shards still lag " + lag + " ops " + max + " after the load");
            }
            stack.checkNodesAlive();
            Thread.sleep(QUIET_POLL_MILLIS);
        }
        double catchUp = (System.nanoTime() - t0) / 1e9;
        progress.accept(String.format(
                Locale.ROOT,
                "load: shards caught up %.1f s after the last load; CHECKPOINT on " + "every main, then %d s to settle",
                catchUp,
                settle.toSeconds()));
        for (ProjectRun p : projects) {
            Pg.sql(p.mainPort, "CHECKPOINT");
        }
        Thread.sleep(settle.toMillis());
        long wal = 0;
        for (Part n : stack.cluster.walNodes()) {
            wal += bytesUnder(n.dataDir());
        }
        long shards = 0;
        for (Part s : stack.cluster.shards()) {
            shards += bytesUnder(s.dataDir());
        }
        return new Result(catchUp, wal, shards);
    }

    private void load(ProjectRun p) throws Exception {
        progress.accept("load: project " + p.name + ": create, start main's compute, pgbench -i -s " + p.scale);
        Views.ProjectCreated c =
                rest.post("/v1/projects", new Views.CreateProject(p.name, null), Views.ProjectCreated.class);
        if (!"main".equals(c.mainBranch().name())) {
            throw new IllegalStateException("POST /v1/projects answered " + c);
        }
        Views.Branch main = rest.post(p.branch("main") + "/compute/start", null, Views.Branch.class);
        if (!"RUNNING".equals(main.compute().state())) {
            throw new IllegalStateException("main of " + p.name + " did not start: " + main.compute());
        }
        p.mainPort = main.compute().port();
        Pg.sql(p.mainPort, "CREATE TABLE ramify_bench_marker (at timestamptz)");
        p.lsnBeforeLoad = Lsn.parse(Pg.sql(p.mainPort, "SELECT pg_current_wal_lsn()"));
        // A commit after lsnBeforeLoad and before timeBeforeLoad: branching at any time of the load finds one.
        Pg.sql(p.mainPort, "INSERT INTO ramify_bench_marker VALUES (now())");
        p.timeBeforeLoad = Instant.now();
        long t0 = System.nanoTime();
        Pg.pgbenchInit(p.mainPort, p.scale, max, progress);
        p.loadSeconds = (System.nanoTime() - t0) / 1e9;
        p.timeAfterLoad = Instant.now();
        p.lsnAfterLoad = Lsn.parse(Pg.sql(p.mainPort, "SELECT pg_current_wal_lsn()"));
        p.databaseBytes = Long.parseLong(Pg.sql(p.mainPort, "SELECT pg_database_size('postgres')"));
        long accounts = Long.parseLong(Pg.sql(p.mainPort, "SELECT count(*) FROM pgbench_accounts"));
        if (accounts != 100_000L * p.scale) {
            throw new IllegalStateException(p.name + " has " + accounts + " pgbench_accounts rows after pgbench -i -s "
                    + p.scale + ", expected " + 100_000L * p.scale);
        }
        progress.accept(String.format(
                Locale.ROOT,
                "load: %s loaded in %.1f s: %.0f MiB database, %.0f MiB of WAL",
                p.name,
                p.loadSeconds,
                p.databaseBytes / (double) (1 << 20),
                (p.lsnAfterLoad.value() - p.lsnBeforeLoad.value()) / (double) (1 << 20)));
    }

    static long bytesUnder(Path root) {
        for (int attempt = 1; ; attempt++) { // RocksDB and Ratis delete files while we walk
            try (Stream<Path> files = Files.walk(root)) {
                return files.filter(Files::isRegularFile)
                        .mapToLong(f -> {
                            try {
                                return Files.size(f);
                            } catch (IOException e) {
                                return 0;
                            }
                        })
                        .sum();
            } catch (IOException | UncheckedIOException e) {
                if (attempt == 3) {
                    return -1;
                }
            }
        }
    }
}
