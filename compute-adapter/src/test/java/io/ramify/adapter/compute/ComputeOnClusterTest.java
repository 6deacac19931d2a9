package io.ramify.adapter.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ramify.cluster.FreePorts;
import io.ramify.common.TimelineId;
import io.ramify.testsupport.Processes;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stock Postgres 15 as a Ramify compute on a real 3-node ratis-wal and 2 page-store shards. */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class ComputeOnClusterTest {
    @TempDir
    Path dir;

    static int id(String flag) {
        return Integer.parseInt(Processes.run(List.of("id", flag, "postgres"), Duration.ofSeconds(10))
                .trim());
    }

    static String psql(Compute c, String sql) {
        return Processes.run(
                        List.of(
                                "runuser",
                                "-u",
                                "postgres",
                                "--",
                                "/usr/lib/postgresql/15/bin/psql",
                                "-X",
                                "-q",
                                "-A",
                                "-t",
                                "-v",
                                "ON_ERROR_STOP=1",
                                "-h",
                                c.postgres().socketDir().toString(),
                                "-p",
                                Integer.toString(c.postgres().port()),
                                "-U",
                                "postgres",
                                "-c",
                                sql),
                        Duration.ofMinutes(5))
                .trim();
    }

    @Test
    void initdbWorkloadAndRestartOnTheCluster() throws Exception {
        Processes.run(List.of("chmod", "o+x", dir.toString()), Duration.ofSeconds(10));
        try (ClusterRig rig = new ClusterRig(dir.resolve("cluster"));
                WalClient wal = WalClient.connect(rig.wal, WalClientConfig.DEFAULT)) {
            TimelineId tl = TimelineId.random();
            WalClient.await(wal.createRoot(tl, ClusterRig.SHARDS));
            rig.awaitKnown(tl);
            int port = FreePorts.next();
            Compute.Config cfg = new Compute.Config(
                    rig.wal,
                    rig.shardAddresses,
                    tl,
                    dir.resolve("mnt"),
                    dir.resolve("work"),
                    port,
                    "postgres",
                    id("-u"),
                    id("-g"));
            try (Compute c = new Compute(cfg).start()) {
                psql(c, "CREATE TABLE t (id int primary key, v text)");
                psql(c, "INSERT INTO t SELECT g, repeat('x', 100) FROM generate_series(1, 10000) g");
                psql(c, "CHECKPOINT");
                psql(c, "UPDATE t SET v = 'y' WHERE id <= 100");
            }
            // Garbage collection with a history window of 0: only the head stays readable.
            long collected = 0;
            for (var shard : rig.shards()) {
                collected += shard.collectGarbage();
            }
            org.junit.jupiter.api.Assertions.assertTrue(collected > 0, "superseded versions were collected");
            try (Compute c = new Compute(cfg).start()) {
                assertEquals("10000|100", psql(c, "SELECT count(*), count(*) FILTER (WHERE v = 'y') FROM t"));
                psql(c, "CREATE EXTENSION amcheck");
                assertEquals(
                        "",
                        Processes.run(
                                        List.of(
                                                "runuser",
                                                "-u",
                                                "postgres",
                                                "--",
                                                "/usr/lib/postgresql/15/bin/pg_amcheck",
                                                "-h",
                                                c.postgres().socketDir().toString(),
                                                "-p",
                                                Integer.toString(port),
                                                "-U",
                                                "postgres",
                                                "--heapallindexed",
                                                "postgres"),
                                        Duration.ofMinutes(5))
                                .trim());
            }
        }
    }
}
