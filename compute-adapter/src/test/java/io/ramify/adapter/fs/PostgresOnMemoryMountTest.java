package io.ramify.adapter.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.ramify.adapter.backend.MemoryBackend;
import io.ramify.cluster.FreePorts;
import io.ramify.testsupport.Processes;
import io.ramify.testsupport.VanillaPostgres;
import io.ramify.wal.proto.Op;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stock Postgres 15 on the FUSE data directory, with every op kept in memory: initdb, a workload,
 * a clean restart on a fresh mount of the same state, and a crash (kill -9) with recovery. This
 * checks the file-system semantics (block merges, WAL windows, scratch paths, renames) apart from
 * the cluster.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class PostgresOnMemoryMountTest {
    @TempDir
    Path dir;

    static final Map<String, String> ENFORCED = Map.of(
            "full_page_writes",
            "on",
            "fsync",
            "on",
            "data_sync_retry",
            "off",
            "wal_recycle",
            "off",
            "wal_init_zero",
            "off",
            "recovery_init_sync_method",
            "syncfs",
            "dynamic_shared_memory_type",
            "posix",
            "wal_level",
            "replica");

    static int id(String flag) {
        return Integer.parseInt(Processes.run(List.of("id", flag, VanillaPostgres.OS_USER), Duration.ofSeconds(10))
                .trim());
    }

    Mount mount(MemoryBackend b) throws Exception {
        return Mount.mount(dir.resolve("mnt"), new DataDir(b, 64L << 20), id("-u"), id("-g"), new MetricRegistry());
    }

    @Test
    void initdbWorkloadRestartAndCrashRecovery() throws Exception {
        MemoryBackend backend = new MemoryBackend(16 << 20);
        int port = FreePorts.next();
        try (Mount m = mount(backend)) {
            VanillaPostgres pg = VanillaPostgres.initAt(m.dataDir(), dir.resolve("work"), List.of(), Map.of());
            pg.start(ENFORCED);
            pg.psql("CREATE TABLE t (id int primary key, v text)");
            pg.psql("INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
            pg.psql("CHECKPOINT");
            pg.psql("UPDATE t SET v = 'y' WHERE id % 3 = 0");
            pg.stop();
            pg.close();
        }
        long opsAfterFirstRun = backend.ops().size();
        assertTrue(backend.ops().stream().anyMatch(Op::hasWal), "WAL went through the mount as WAL ops");
        try (Mount m = mount(backend)) {
            VanillaPostgres pg = VanillaPostgres.attach(m.dataDir(), dir.resolve("work2"), port);
            pg.start(ENFORCED);
            assertEquals(
                    "20000|6666",
                    pg.psql("SELECT count(*), count(*) FILTER (WHERE v = 'y') FROM t")
                            .trim());
            pg.psql("INSERT INTO t SELECT g, 'z' FROM generate_series(20001, 25000) g");
            pg.crash();
            // Recovery after a crash on the same mount.
            pg.start(ENFORCED);
            assertEquals("25000", pg.psql("SELECT count(*) FROM t").trim());
            pg.psql("CREATE EXTENSION amcheck");
            assertEquals(
                    "",
                    pg.run(
                                    "pg_amcheck",
                                    "-h",
                                    pg.socketDir().toString(),
                                    "-p",
                                    Integer.toString(port),
                                    "-U",
                                    "postgres",
                                    "--heapallindexed",
                                    "postgres")
                            .trim());
            pg.stop();
            pg.close();
        }
        assertTrue(backend.ops().size() > opsAfterFirstRun);
    }
}
