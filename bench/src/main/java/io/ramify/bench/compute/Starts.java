package io.ramify.bench.compute;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.ramify.adapter.compute.Compute;
import io.ramify.adapter.compute.PostgresProcess;
import io.ramify.testsupport.VanillaPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;

/**
 * Starts of both systems timed from outside, the same way for each: from the moment the start is
 * asked for until a {@code SELECT 1} is answered. That span is split at the postmaster's first
 * and "ready" log lines (both systems log alike) into: until Postgres is launched, launch to
 * ready, and ready to the first answer (a new backend building its caches). For Ramify the mount
 * is timed too, and the GetBlock calls made until the first answer are counted.
 */
final class Starts {
    static final Duration RUNNING_WAIT_MAX = Duration.ofMinutes(2);
    static final String GET_BLOCK = "adapter.pagestore.get_block";

    private Starts() {}

    /**
     * One start. Milliseconds; NaN where a phase does not apply ({@code stopMillis}: the stop
     * before it; {@code createMillis}: creating a fork until both shards know it; {@code
     * mountMillis}: from the request until the mount is live — claim, load the view, FUSE mount —
     * and {@code loadMillis} of that, listing the view and reading pg_control). {@code getBlocks}:
     * GetBlock calls from the request to the first answer, their summed time, and how many of them
     * the shards answered only after waiting for ingestion ({@code -1} for vanilla).
     */
    record Sample(
            String system,
            String what,
            double stopMillis,
            double createMillis,
            double mountMillis,
            double loadMillis,
            double toLaunchMillis,
            double firstAnswerMillis,
            PgLog.Start log,
            long getBlocks,
            double getBlockSeconds,
            long getBlocksWaited) {
        /** From "ready to accept connections" until the first answer. */
        double readyToAnswerMillis() {
            return firstAnswerMillis - toLaunchMillis - log.readyMillis();
        }
    }

    record Started(Compute compute, Sample sample) {}

    static Endpoint endpoint(Compute.Config c) {
        return new Endpoint("Ramify " + c.timeline().shortForm(), c.workDir().resolve("socket"), c.port());
    }

    static Path log(Compute.Config c) {
        return c.workDir().resolve("postgres.log");
    }

    /** {@code new Compute(config).start()}, timed. */
    static Started compute(
            Compute.Config config, String what, double stopMillis, double createMillis, LongSupplier shardWaits)
            throws IOException, SQLException, InterruptedException {
        long mark = PgLog.mark(log(config));
        long waits0 = shardWaits.getAsLong();
        Compute c = new Compute(config);
        try (MountWatch watch = MountWatch.start(config.mountPoint())) {
            long wall0 = System.currentTimeMillis();
            long t0 = System.nanoTime();
            CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                try {
                    c.start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            long answered;
            try {
                answered = Sql.awaitFirstAnswer(endpoint(config), () -> !started.isCompletedExceptionally());
            } catch (SQLException e) {
                join(started); // its failure says more than "no answer"
                throw e;
            }
            Timer gb = c.metrics().timer(GET_BLOCK);
            long calls = gb.getCount();
            double seconds = calls * gb.getSnapshot().getMean() / 1e9;
            long waited = shardWaits.getAsLong() - waits0;
            join(started);
            Timer load = c.metrics().timer("adapter.load");
            double loadMillis =
                    load.getCount() == 0 ? Double.NaN : load.getSnapshot().getMax() / 1e6;
            PgLog.Start log = PgLog.read(log(config), mark);
            return new Started(
                    c,
                    new Sample(
                            "Ramify",
                            what,
                            stopMillis,
                            createMillis,
                            ms(t0, watch.seenNanos()),
                            loadMillis,
                            log.launchEpochMillis() - wall0,
                            ms(t0, answered),
                            log,
                            calls,
                            seconds,
                            waited));
        }
    }

    /**
     * kill -9 of the compute's Postgres; its supervisor makes the mount's ops durable and starts
     * Postgres again on the same mount (crash recovery). Timed from the moment the killed
     * postmaster is gone.
     */
    static Sample computeCrash(Compute c, Compute.Config config, String what, LongSupplier shardWaits)
            throws IOException, SQLException, InterruptedException {
        long mark = PgLog.mark(log(config));
        long waits0 = shardWaits.getAsLong();
        MetricRegistry m = c.metrics();
        long calls0 = m.timer(GET_BLOCK).getCount();
        c.postgres().kill();
        long wall0 = System.currentTimeMillis();
        long t0 = System.nanoTime();
        long answered = Sql.awaitFirstAnswer(
                endpoint(config), () -> c.state() == Compute.State.RUNNING || c.state() == Compute.State.RESTARTING);
        Timer gb = m.timer(GET_BLOCK);
        long calls = gb.getCount() - calls0;
        double seconds = calls * gb.getSnapshot().getMean() / 1e9;
        long waited = shardWaits.getAsLong() - waits0;
        long deadline = System.nanoTime() + RUNNING_WAIT_MAX.toNanos();
        while (c.state() != Compute.State.RUNNING) {
            if (System.nanoTime() > deadline || c.state() != Compute.State.RESTARTING) {
                throw new IOException("the compute did not return to RUNNING after its Postgres was killed: "
                        + c.state() + " " + c.endMessage());
            }
            Thread.sleep(10);
        }
        PgLog.Start log = PgLog.read(log(config), mark);
        return new Sample(
                "Ramify",
                what,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                log.launchEpochMillis() - wall0,
                ms(t0, answered),
                log,
                calls,
                seconds,
                waited);
    }

    /** {@code pg_ctl start} without waiting, then the same polling as for Ramify. */
    static Sample vanilla(VanillaPostgres v, Endpoint e, String what, double stopMillis)
            throws IOException, SQLException, InterruptedException {
        long mark = PgLog.mark(v.logFile());
        StringBuilder o = new StringBuilder("-p ")
                .append(v.port())
                .append(" -k ")
                .append(v.socketDir())
                .append(" -c listen_addresses=127.0.0.1");
        PostgresProcess.ENFORCED.forEach(
                (k, val) -> o.append(" -c ").append(k).append('=').append(val));
        long wall0 = System.currentTimeMillis();
        long t0 = System.nanoTime();
        v.run("pg_ctl", "-D", v.dataDir().toString(), "-l", v.logFile().toString(), "-W", "-o", o.toString(), "start");
        long answered = Sql.awaitFirstAnswer(e, () -> true);
        PgLog.Start log = PgLog.read(v.logFile(), mark);
        return new Sample(
                "vanilla",
                what,
                stopMillis,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                log.launchEpochMillis() - wall0,
                ms(t0, answered),
                log,
                -1,
                Double.NaN,
                -1);
    }

    static void join(CompletableFuture<Void> f) throws IOException {
        try {
            f.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw e;
        }
    }

    static double ms(long from, long to) {
        return to == 0 ? Double.NaN : (to - from) / 1e6;
    }
}
