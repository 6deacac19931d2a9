package io.ramify.adapter.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.cluster.FreePorts;
import io.ramify.common.Lsn;
import io.ramify.common.TimelineId;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import io.ramify.wal.proto.TimelineStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/design.md rule 5 against an oracle we did not write: a branch forked at LSN X in the middle of a
 * pgbench run must hold exactly what vanilla Postgres holds after point-in-time recovery of a base
 * backup to X (recovery_target_lsn = X, recovery_target_inclusive = off): pg_dump of both equal.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class ForkMatchesPitrTest {
    @TempDir
    Path dir;

    static String pg(Compute c, String bin, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of(
                "runuser",
                "-u",
                "postgres",
                "--",
                "/usr/lib/postgresql/15/bin/" + bin,
                "-h",
                c.postgres().socketDir().toString(),
                "-p",
                Integer.toString(c.postgres().port()),
                "-U",
                "postgres"));
        cmd.addAll(List.of(args));
        return Processes.run(cmd, Duration.ofMinutes(5));
    }

    @Test
    void aForkInTheMiddleOfPgbenchEqualsVanillaPitrToTheSameLsn() throws Exception {
        Processes.run(List.of("chmod", "o+x", dir.toString()), Duration.ofSeconds(10));
        Path clusterDir = Files.createDirectories(dir.resolve("cluster"));
        // ratis-wal nodes in their own JVMs, as deployed: with all three in this JVM, appends stalled
        // under pgbench (see docs/architecture.md, known problems).
        try (ClusterRig rig = new ClusterRig(clusterDir, true);
                WalClient wal = WalClient.connect(rig.wal, WalClientConfig.DEFAULT)) {
            TimelineId main = TimelineId.random();
            WalClient.await(wal.createRoot(main, ClusterRig.SHARDS));
            rig.awaitKnown(main);
            Compute.Config mainCfg = rig.computeConfig(main, dir, "main");
            Path backup = dir.resolve("vanilla/data");
            Lsn x;
            try (Compute c = new Compute(mainCfg).start()) {
                pg(c, "pgbench", "-i", "-s", "1", "-q", "postgres");
                Files.createDirectories(backup.getParent());
                Processes.run(List.of("chown", "postgres:", backup.getParent().toString()), Duration.ofSeconds(10));
                pg(c, "pg_basebackup", "-D", backup.toString(), "-X", "none", "-c", "fast", "--no-sync");
                CompletableFuture<String> bench =
                        CompletableFuture.supplyAsync(() -> pg(c, "pgbench", "-n", "-c", "2", "-T", "8", "postgres"));
                Thread.sleep(4000);
                TimelineStatus s = WalClient.await(wal.status(main));
                x = Lsn.of(s.getLastRecordEnd());
                bench.join();
            }
            TimelineId dev = TimelineId.random();
            WalClient.await(wal.createFork(dev, main, x, ClusterRig.SHARDS));
            rig.awaitKnown(dev);
            Compute.Config devCfg = rig.computeConfig(dev, dir, "dev");
            String forkDump;
            try (Compute c = new Compute(devCfg).start()) {
                forkDump = pg(c, "pg_dump", "--no-sync", "postgres");
                assertEquals(
                        pg(c, "psql", "-X", "-A", "-t", "-c", "SELECT sum(delta) FROM pgbench_history", "postgres"),
                        pg(c, "psql", "-X", "-A", "-t", "-c", "SELECT sum(abalance) FROM pgbench_accounts", "postgres"),
                        "pgbench's balance invariant on the fork");
            }

            // The oracle: vanilla PITR of the base backup to X, WAL taken from main's archive.
            Path archive = dir.resolve("vanilla/archive");
            exportWal(wal, main, backup, x, archive);
            Files.writeString(backup.resolve("recovery.signal"), "");
            Files.writeString(
                    backup.resolve("postgresql.auto.conf"),
                    "restore_command = 'cp " + archive + "/%f %p'\n"
                            + "recovery_target_lsn = '" + x + "'\nrecovery_target_inclusive = off\n"
                            + "recovery_target_action = 'promote'\n");
            Processes.run(
                    List.of("chown", "-R", "postgres:", dir.resolve("vanilla").toString()), Duration.ofSeconds(30));
            Processes.run(List.of("chmod", "700", backup.toString()), Duration.ofSeconds(10));
            try (VanillaPostgres vanilla =
                    VanillaPostgres.attach(backup, dir.resolve("vanilla/work"), FreePorts.next())) {
                vanilla.start();
                String vanillaDump = vanilla.run(
                        "pg_dump",
                        "-h",
                        vanilla.socketDir().toString(),
                        "-p",
                        Integer.toString(vanilla.port()),
                        "-U",
                        "postgres",
                        "--no-sync",
                        "postgres");
                assertTrue(vanilla.logTail().contains("recovery stopping before"), vanilla.logTail());
                assertTrue(forkDump.contains("COPY public.pgbench_history"), "the fork has pgbench's tables");
                assertEquals(
                        comparable(vanillaDump),
                        comparable(forkDump),
                        "pg_dump of the fork at " + x + " vs vanilla PITR to it");
                vanilla.stop();
            }
        }
    }

    /** pg_dump output without its per-run random restrict-key lines. */
    static String comparable(String dump) {
        return dump.lines()
                .filter(l -> !l.startsWith("\\restrict ") && !l.startsWith("\\unrestrict "))
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    /** Full segments from the base backup's start through X's segment, as Postgres's archive holds them. */
    private static void exportWal(WalClient wal, TimelineId tl, Path backup, Lsn x, Path archive) throws Exception {
        Matcher m =
                Pattern.compile("START WAL LOCATION: (\\S+)").matcher(Files.readString(backup.resolve("backup_label")));
        assertTrue(m.find());
        io.ramify.wal.client.WalExport.segments(wal, tl, Lsn.parse(m.group(1)), x, 16 << 20, archive);
    }
}
