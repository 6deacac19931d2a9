package io.ramify.adapter.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.cluster.FreePorts;
import io.ramify.common.TimelineId;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.TpcbWorkload;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compute under pgbench load on a real cluster (3 ratis-wal node processes, 2 page-store
 * shards), the compute itself in its own JVM, and the crashes issue 4 names:
 *
 * <ol>
 *   <li>{@code pgbench -i -s 10} and a 60-second {@code pgbench} run, then the balance invariant
 *       and {@code pg_amcheck --heapallindexed};
 *   <li>kill -9 of postgres mid-workload: the supervisor restarts it;
 *   <li>kill -9 of the adapter mid-workload: a new compute takes over the mount point;
 *   <li>kill -9 of the ratis-wal node leading the timeline's group mid-workload.
 * </ol>
 *
 * After each, every transaction a client saw commit is there (the clients log them), nothing is
 * there that was not attempted, the balance invariant holds, and amcheck is clean.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class ComputeCrashTest {
    private static final Logger LOG = LoggerFactory.getLogger(ComputeCrashTest.class);
    static final String PG = "/usr/lib/postgresql/15/bin/";
    static final int SCALE = 10;
    static final int CLIENTS = 4;
    /** Commits the workload must make after a crash to show the compute is back. */
    static final int COMMITS_AFTER_CRASH = 100;

    static final Duration RECOVERY_WAIT_MAX = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    private ClusterRig rig;
    private TimelineId tl;
    private int port;
    private Process compute;
    private int computeStarts;

    @Test
    void pgbenchRunsCleanAndCommittedWorkSurvivesKillsOfPostgresAdapterAndWalLeader() throws Exception {
        Processes.run(List.of("chmod", "o+x", dir.toString()), Duration.ofSeconds(10));
        try (ClusterRig r = new ClusterRig(Files.createDirectories(dir.resolve("cluster")), true);
                WalClient wal = WalClient.connect(r.wal, WalClientConfig.DEFAULT)) {
            rig = r;
            tl = TimelineId.random();
            WalClient.await(wal.createRoot(tl, ClusterRig.SHARDS));
            rig.awaitKnown(tl);
            port = FreePorts.next();
            startCompute();

            String init = pg("pgbench", "-i", "-s", Integer.toString(SCALE), "-q");
            LOG.info(
                    "pgbench -i -s {}: {}",
                    SCALE,
                    init.lines().filter(l -> l.startsWith("done")).findFirst().orElse(""));
            String run = pg("pgbench", "-c", Integer.toString(CLIENTS), "-j", "2", "-T", "60", "-P", "15");
            LOG.info("pgbench 60 s on the cluster:\n{}", run);
            assertTrue(run.contains("number of failed transactions: 0"), run);
            assertEquals("", TpcbWorkload.balanceInvariant("127.0.0.1", port));
            pg("psql", "-X", "-q", "-c", "CREATE EXTENSION IF NOT EXISTS amcheck");
            amcheckClean();

            List<TpcbWorkload> runs = new ArrayList<>();
            // 1. kill -9 of the postmaster: the compute's supervisor restarts Postgres in place.
            runs.add(crash("pg", () -> {
                long pid = Long.parseLong(
                        Files.readString(dir.resolve("work/postgres.pid")).trim());
                Processes.run(List.of("kill", "-9", Long.toString(pid)), Duration.ofSeconds(10));
            }));
            assertTrue(
                    Files.readString(computeLog()).contains("restarted in place"), "the supervisor restarted postgres");
            // 2. kill -9 of the adapter: its mount dies with it; a new compute takes over.
            runs.add(crash("ad", () -> {
                compute.destroyForcibly().waitFor();
                startCompute();
            }));
            // 3. kill -9 of the ratis-wal node that leads the timeline's group.
            int[] killed = {-1};
            runs.add(crash("wl", () -> {
                String leader = wal.leaderOf(tl).orElseThrow(() -> new AssertionError("no leader for " + tl));
                killed[0] = rig.nodeIndex(leader);
                LOG.info("killing ratis-wal leader {}", leader);
                rig.killWalProcess(killed[0]);
            }));
            rig.restartWalProcess(killed[0]);

            // Every run's acknowledged commits are still there after all the later crashes.
            for (TpcbWorkload w : runs) {
                TpcbWorkload.Verdict v = w.verify("127.0.0.1", port);
                assertTrue(v.ok(), v.toString());
            }
            amcheckClean();
            compute.destroy();
            assertTrue(compute.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the compute stops on SIGTERM");
            assertTrue(Files.readString(computeLog()).contains("stopped cleanly"), tail(computeLog()));
        } finally {
            if (compute != null) {
                compute.destroyForcibly();
            }
        }
    }

    interface Crash {
        void run() throws Exception;
    }

    /** Runs the logged workload, crashes something, waits until it commits again, checks. */
    private TpcbWorkload crash(String name, Crash crash) throws Exception {
        TpcbWorkload w = new TpcbWorkload("127.0.0.1", port, SCALE, name).start(CLIENTS);
        awaitCommits(w, 50);
        long before = w.committed().size();
        LOG.info("crash {}: {} commits acknowledged before", name, before);
        crash.run();
        long t0 = System.nanoTime();
        awaitCommits(w, before + COMMITS_AFTER_CRASH);
        LOG.info(
                "crash {}: committing again after {} ms (client errors meanwhile: {}, last: {})",
                name,
                (System.nanoTime() - t0) / 1_000_000,
                w.errors(),
                w.lastError());
        w.stop();
        TpcbWorkload.Verdict v = w.verify("127.0.0.1", port);
        LOG.info("crash {}: {}", name, v);
        assertTrue(v.ok(), name + ": " + v);
        assertTrue(v.committed() > before, name + ": the workload went on after the crash");
        amcheckClean();
        return w;
    }

    private void awaitCommits(TpcbWorkload w, long count) throws Exception {
        long deadline = System.nanoTime() + RECOVERY_WAIT_MAX.toNanos();
        while (w.committed().size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "only " + w.committed().size() + " of " + count + " commits within " + RECOVERY_WAIT_MAX
                                + "; last client error: " + w.lastError() + "\ncompute log:\n" + tail(computeLog()));
            }
            if (!compute.isAlive()) {
                throw new AssertionError("the compute process exited:\n" + tail(computeLog()));
            }
            Thread.sleep(100);
        }
    }

    private void startCompute() throws IOException, InterruptedException {
        computeStarts++;
        Path log = computeLog();
        long readyBefore = Files.exists(log)
                ? Files.readAllLines(log).stream()
                        .filter(l -> l.startsWith("ready"))
                        .count()
                : 0;
        compute = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "--sun-misc-unsafe-memory-access=allow",
                        "-Xmx1g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ComputeMain.class.getName(),
                        rig.wal.name(),
                        rig.walNodesSpec(),
                        Integer.toString(rig.wal.groupCount()),
                        String.join(",", rig.shardAddresses),
                        tl.hex(),
                        dir.resolve("mnt").toString(),
                        dir.resolve("work").toString(),
                        Integer.toString(port),
                        "postgres",
                        Integer.toString(ComputeOnClusterTest.id("-u")),
                        Integer.toString(ComputeOnClusterTest.id("-g")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (Files.readAllLines(log).stream()
                        .filter(l -> l.startsWith("ready"))
                        .count()
                <= readyBefore) {
            if (!compute.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("compute start " + computeStarts + " failed:\n" + tail(log));
            }
            Thread.sleep(100);
        }
    }

    private Path computeLog() {
        return dir.resolve("compute.log");
    }

    private static String tail(Path log) {
        try {
            List<String> l = Files.readAllLines(log);
            return String.join("\n", l.subList(Math.max(0, l.size() - 60), l.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void amcheckClean() {
        assertEquals("", pg("pg_amcheck", "--heapallindexed", "postgres"), "pg_amcheck reports nothing");
    }

    /** A Postgres client tool against the compute over TCP, as superuser (trust on loopback). */
    private String pg(String tool, String... args) {
        List<String> cmd =
                new ArrayList<>(List.of(PG + tool, "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres"));
        cmd.addAll(List.of(args));
        Processes.Result r = Processes.exec(cmd, Duration.ofMinutes(10), dir, Map.of("PGDATABASE", "postgres"));
        if (r.exitCode() != 0) {
            throw new AssertionError(r.describe() + "\ncompute log:\n" + tail(computeLog()));
        }
        return (r.stdout() + r.stderr()).trim();
    }
}
