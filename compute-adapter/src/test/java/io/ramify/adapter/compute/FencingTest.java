package io.ramify.adapter.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.common.TimelineId;
import io.ramify.testsupport.ExpectedError;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/design.md rule 3 with real Postgres: a second compute on the same timeline takes a newer
 * generation; the first one's next durable write is refused, its fsync fails, and its Postgres
 * stops (data_sync_retry = off) instead of losing data. The second sees everything the first
 * had made durable.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
@ExpectedError(
        logger = "io.ramify.adapter.fs.RamifyFs",
        message = "did not become durable.*STALE_GENERATION",
        reason = "the fenced compute's fsyncs are refused: the newer generation holds the timeline")
@ExpectedError(
        logger = "io.ramify.adapter.fs.RamifyFs",
        message = "reading WAL at",
        reason = "the fenced compute's WAL reads wait for its own refused ops and fail")
@ExpectedError(
        logger = "io.ramify.adapter.compute.Compute",
        message = "exited unexpectedly|was fenced by a newer",
        reason = "the fenced compute's Postgres stops on the failed fsync (PANIC) and the compute gives up")
class FencingTest {
    @TempDir
    Path dir;

    @Test
    void aNewerComputeFencesTheOlderOneWhichStops() throws Exception {
        Processes.run(List.of("chmod", "o+x", dir.toString()), Duration.ofSeconds(10));
        Path clusterDir = Files.createDirectories(dir.resolve("cluster"));
        try (ClusterRig rig = new ClusterRig(clusterDir, true);
                WalClient wal = WalClient.connect(rig.wal, WalClientConfig.DEFAULT)) {
            TimelineId tl = TimelineId.random();
            WalClient.await(wal.createRoot(tl, ClusterRig.SHARDS));
            rig.awaitKnown(tl);
            Compute.Config a = rig.computeConfig(tl, dir, "a");
            Compute.Config b = rig.computeConfig(tl, dir, "b");
            try (Compute first = new Compute(a).start()) {
                ComputeOnClusterTest.psql(first, "CREATE TABLE t (id int primary key)");
                ComputeOnClusterTest.psql(first, "INSERT INTO t SELECT generate_series(1, 1000)");
                try (Compute second = new Compute(b).start()) {
                    assertEquals(
                            first.generation().value() + 1, second.generation().value());
                    assertEquals(
                            "1000",
                            ComputeOnClusterTest.psql(second, "SELECT count(*) FROM t"),
                            "the newer compute sees what the older one committed");
                    // The older compute's next commit needs an fsync that the log now refuses.
                    Processes.Result r = Processes.exec(
                            List.of(
                                    "runuser",
                                    "-u",
                                    "postgres",
                                    "--",
                                    "/usr/lib/postgresql/15/bin/psql",
                                    "-X",
                                    "-h",
                                    first.postgres().socketDir().toString(),
                                    "-p",
                                    Integer.toString(first.postgres().port()),
                                    "-U",
                                    "postgres",
                                    "-c",
                                    "INSERT INTO t VALUES (5000)"),
                            Duration.ofMinutes(3),
                            dir,
                            java.util.Map.of());
                    assertTrue(r.exitCode() != 0, "the fenced compute's commit must fail: " + r.describe());
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (first.postgres().alive() && System.currentTimeMillis() < deadline) {
                        Thread.sleep(200);
                    }
                    assertFalse(first.postgres().alive(), "the fenced Postgres stopped");
                    assertTrue(
                            Files.readString(first.postgres().logFile()).contains("PANIC"),
                            "it stopped by PANIC on the failed fsync:\n"
                                    + first.postgres().logTail());
                    assertTrue(first.awaitEnd(Duration.ofMinutes(1)), "the fenced compute ends");
                    assertEquals(Compute.State.FENCED, first.state(), "and says it was fenced: " + first.endMessage());
                    assertTrue(first.endMessage().contains("fenced"), first.endMessage());
                    assertEquals(
                            "1000",
                            ComputeOnClusterTest.psql(second, "SELECT count(*) FROM t"),
                            "the refused commit is not there");
                    ComputeOnClusterTest.psql(second, "INSERT INTO t VALUES (5001)");
                    assertEquals("1001", ComputeOnClusterTest.psql(second, "SELECT count(*) FROM t"));
                }
            }
        }
    }
}
