package io.ramify.catalog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogModel.Branch;
import io.ramify.catalog.client.CatalogModel.Lease;
import io.ramify.catalog.client.CatalogModel.NewProject;
import io.ramify.catalog.client.CatalogModel.Restored;
import io.ramify.catalog.client.CatalogModel.Timeline;
import io.ramify.catalog.client.CatalogModel.TimelineSpec;
import io.ramify.catalog.client.CatalogUnavailableException;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.common.Generation;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.raft.host.GroupDb;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog on a real 3-node ratis-wal cluster on loopback (each node also hosting a WAL group):
 * the client API end to end, a restarted follower, a follower rebuilt by snapshot installation,
 * and the loss of the catalog's leader while branches are being created.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class CatalogClusterTest {
    @TempDir
    Path dir;

    static TimelineSpec spec(long forkLsn) {
        return new TimelineSpec(TimelineId.random(), Lsn.of(forkLsn), Seq.of(forkLsn / 100), 0);
    }

    @Test
    void theClientDrivesTheCatalogBesideTheWalGroups() throws Exception {
        try (CatalogTestCluster cl = new CatalogTestCluster(dir, 3, 1, 10_000);
                CatalogClient c = cl.client();
                WalClient wal = WalClient.connect(cl.cluster, WalClientConfig.DEFAULT)) {
            TimelineId root = TimelineId.random();
            WalClient.await(wal.createRoot(root, 1)); // the WAL groups work beside the catalog
            NewProject p = c.createProject("shop", root, wal.groupOf(root));
            assertEquals("main", p.rootBranch().name());
            assertEquals(root, p.rootBranch().timeline().id());

            TimelineSpec devSpec = spec(0x100_0000);
            Branch dev = c.createBranch("shop", "dev", "main", devSpec);
            assertEquals(Optional.of("main"), dev.parent());
            assertEquals(Optional.of(root), dev.timeline().parent());
            assertEquals(Lsn.of(0x100_0000), dev.timeline().forkLsn());
            assertEquals(Duration.ofSeconds(300), dev.idleTimeout());
            Branch feature = c.createBranch(
                    "shop", "feature", "dev", spec(0x200_0000), Instant.now().plusSeconds(3600));
            assertTrue(feature.expiresAt().isPresent());

            CatalogException has = assertThrows(CatalogException.class, () -> c.deleteBranch("shop", "dev"));
            assertEquals(Code.HAS_CHILDREN, has.code());
            assertTrue(has.getMessage().contains("[feature]"), has.getMessage());
            assertEquals(
                    Code.IS_ROOT,
                    assertThrows(CatalogException.class, () -> c.deleteBranch("shop", "main"))
                            .code());
            assertEquals(
                    Code.NOT_FOUND,
                    assertThrows(CatalogException.class, () -> c.getBranch("shop", "nope"))
                            .code());

            String backup = CatalogClient.backupName("dev", Instant.parse("2026-11-24T01:48:37Z"));
            assertEquals("dev_old_20261124T014837Z", backup);
            Restored r = c.restoreBranch("shop", "dev", spec(0x180_0000), backup);
            assertEquals(dev.timeline().id(), r.backup().timeline().id());
            assertEquals(Optional.of(backup), c.getBranch("shop", "feature").parent());

            Lease l1 = c.acquireLease(r.branch().timeline().id(), "compute-1", Duration.ofSeconds(30));
            Lease l2 = c.acquireLease(r.branch().timeline().id(), "compute-2", Duration.ofSeconds(30));
            assertEquals(Generation.of(l1.generation().value() + 1), l2.generation());
            assertEquals(
                    Code.STALE_LEASE,
                    assertThrows(
                                    CatalogException.class,
                                    () -> c.renewLease(l1.timeline(), l1.generation(), Duration.ofSeconds(30)))
                            .code());
            assertEquals(l2.generation(), c.getLease(l1.timeline()).generation());

            c.setEndpoint("shop", "dev", "127.0.0.1", 0, EndpointState.STARTING, "");
            Branch running = c.setEndpoint("shop", "dev", "127.0.0.1", 55432, EndpointState.RUNNING, "ready");
            assertEquals(EndpointState.RUNNING, running.endpoint().state());
            assertTrue(c.setProtected("shop", "dev", true).isProtected());
            assertEquals(
                    Duration.ZERO,
                    c.setIdleTimeout("shop", "dev", Duration.ZERO).idleTimeout());
            c.renameBranch("shop", "feature", "feature-2");
            Branch gone = c.deleteBranch("shop", "feature-2");
            assertTrue(gone.timeline().isDeleted());

            List<String> tree = c.listBranches("shop").stream()
                    .map(b -> b.name() + "<" + b.parent().orElse(""))
                    .toList();
            assertEquals(List.of("dev<" + backup, backup + "<main", "main<"), tree);
            List<Timeline> timelines = c.listTimelines("shop");
            assertEquals(4, timelines.size(), "main's, dev's old (the backup's) and new, and feature's");
            assertEquals(1, timelines.stream().filter(Timeline::isDeleted).count());
            assertEquals(
                    List.of("shop"),
                    c.listProjects().stream().map(x -> x.name()).toList());

            for (int n = 0; n < 3; n++) {
                cl.awaitCaughtUp(n, Duration.ofSeconds(30));
            }
            assertEquals(cl.replica(0), cl.replica(1), "replicas are equal byte for byte");
            assertEquals(cl.replica(0), cl.replica(2));
            String health = cl.server(0).health().json();
            assertTrue(health.contains("\"hosted\":[{\"name\":\"catalog\""), health);
            assertTrue(cl.server(0).health().ok(), health);
        }
    }

    @Test
    void aRestartedFollowerCatchesUp() throws Exception {
        try (CatalogTestCluster cl = new CatalogTestCluster(dir, 3, 1, 10_000);
                CatalogClient c = cl.client()) {
            c.createProject("shop", TimelineId.random(), 0);
            int follower = (cl.catalogLeader() + 1) % 3;
            cl.stop(follower);
            for (int i = 0; i < 20; i++) {
                c.createBranch("shop", "b" + i, "main", spec(100 + i));
            }
            cl.start(follower);
            cl.awaitCaughtUp(follower, Duration.ofSeconds(60));
            assertEquals(cl.replica(cl.catalogLeader()), cl.replica(follower));
            assertEquals(21, c.listBranches("shop").size());
        }
    }

    @Test
    void aFollowerWhoseDataWasDeletedRejoinsBySnapshot() throws Exception {
        try (CatalogTestCluster cl = new CatalogTestCluster(dir, 3, 1, 100, 16 << 10);
                CatalogClient c = cl.client()) {
            c.createProject("shop", TimelineId.random(), 0);
            int follower = (cl.catalogLeader() + 1) % 3;
            cl.stop(follower);
            GroupDb.deleteTree(cl.dataDir(follower));
            c.createBranch("shop", "dev", "main", spec(100));
            for (int i = 0; i < 300; i++) {
                c.setIdleTimeout("shop", "dev", Duration.ofSeconds(i)); // many small entries: snapshots, purged logs
            }
            int leader = cl.catalogLeader();
            long logStart = cl.division(leader).getRaftLog().getStartIndex();
            assertTrue(
                    logStart > 1, "the leader's catalog log was purged after snapshots (starts at " + logStart + ")");

            cl.start(follower);
            cl.awaitCaughtUp(follower, Duration.ofSeconds(60));
            assertEquals(cl.replica(leader), cl.replica(follower));
            Path snapshots = cl.catalogDir(follower).resolve("sm").resolve("snapshots");
            assertTrue(Files.isDirectory(snapshots), "the follower received a snapshot in " + snapshots);
            assertEquals(Duration.ofSeconds(299), c.getBranch("shop", "dev").idleTimeout());
        }
    }

    /**
     * A thread creates branches one after another, each with its own request id, and retries a
     * create that failed (same id) until it returns; meanwhile the catalog's leader is stopped. Every
     * create that returned is there exactly once, with the timeline its request named; a create sent
     * again with its id returns the first result and changes nothing.
     */
    @Test
    void theCatalogSurvivesTheLossOfItsLeaderMidOperation() throws Exception {
        try (CatalogTestCluster cl = new CatalogTestCluster(dir, 3, 1, 10_000);
                CatalogClient c = cl.client()) {
            c.createProject("shop", TimelineId.random(), 0);
            int total = 120;
            int stopAfter = 40;
            Map<String, Branch> created = new ConcurrentHashMap<>();
            Map<String, String> requestIds = new ConcurrentHashMap<>();
            Map<String, TimelineSpec> specs = new HashMap<>();
            AtomicInteger retries = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            List<Throwable> failures = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                specs.put("b" + i, spec(100 + i));
            }
            Thread creator = Thread.ofPlatform().name("creator").start(() -> {
                try {
                    for (int i = 0; i < total; i++) {
                        String name = "b" + i;
                        String id = CatalogClient.newRequestId();
                        requestIds.put(name, id);
                        created.put(name, createWithRetries(c.withRequestId(id), name, specs.get(name), retries));
                        done.incrementAndGet();
                    }
                } catch (Throwable t) {
                    synchronized (failures) {
                        failures.add(t);
                    }
                }
            });
            while (done.get() < stopAfter && creator.isAlive()) {
                Thread.sleep(5);
            }
            int leader = cl.catalogLeader();
            long stoppedAt = System.nanoTime();
            cl.stop(leader);
            creator.join(180_000);
            assertFalse(creator.isAlive(), "the creator finished");
            assertEquals(List.of(), failures);
            long tookMs = (System.nanoTime() - stoppedAt) / 1_000_000;
            System.out.printf(
                    "leader n%d stopped after %d creates; %d more creates took %d ms with %d client retries%n",
                    leader, stopAfter, total - stopAfter, tookMs, retries.get());

            List<Branch> branches = c.listBranches("shop");
            assertEquals(total + 1, branches.size(), "every branch once, plus main");
            for (Branch b : branches) {
                if (!b.name().equals("main")) {
                    assertEquals(
                            specs.get(b.name()).id(),
                            b.timeline().id(),
                            "branch " + b.name() + " has its own timeline");
                    assertEquals(created.get(b.name()), b, "branch " + b.name() + " is what its create returned");
                }
            }
            assertEquals(total + 1, c.listTimelines("shop").size(), "no timeline was recorded twice or left over");

            for (String name : List.of("b0", "b" + stopAfter, "b" + (total - 1))) {
                Branch again =
                        c.withRequestId(requestIds.get(name)).createBranch("shop", name, "main", specs.get(name));
                assertEquals(created.get(name), again, "a retried request id returns the first result");
            }
            assertEquals(total + 1, c.listBranches("shop").size());
            long duplicates = 0;
            for (int n = 0; n < 3; n++) {
                if (n != leader) {
                    duplicates += cl.server(n)
                            .metrics()
                            .counter("catalog.duplicate_requests")
                            .getCount();
                }
            }
            assertTrue(duplicates >= 3, "the re-sent ids were recognised by the request log (" + duplicates + ")");

            cl.start(leader);
            cl.awaitCaughtUp(leader, Duration.ofSeconds(60));
            int now = cl.catalogLeader();
            for (int n = 0; n < 3; n++) {
                cl.awaitCaughtUp(n, Duration.ofSeconds(60));
                assertEquals(cl.replica(now), cl.replica(n), "replica n" + n + " equals the leader's");
            }
        }
    }

    /** Retries a create with the same request id (the client's view carries it) until it returns. */
    static Branch createWithRetries(CatalogClient sameId, String name, TimelineSpec spec, AtomicInteger retries) {
        for (int attempt = 1; ; attempt++) {
            try {
                return sameId.createBranch("shop", name, "main", spec);
            } catch (CatalogUnavailableException e) {
                if (attempt == 10) {
                    throw e;
                }
                retries.incrementAndGet();
            }
        }
    }
}
