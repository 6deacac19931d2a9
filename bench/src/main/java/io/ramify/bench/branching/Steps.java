package io.ramify.bench.branching;

import io.ramify.bench.Latencies;
import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogModel;
import io.ramify.catalog.client.CatalogModel.TimelineSpec;
import io.ramify.catalog.proto.Rejection;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.pagestore.client.PageStoreClient;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.proto.ForkPointReply;
import io.ramify.wal.proto.TimelineStatus;
import java.util.List;
import java.util.Map;

/**
 * A branch at the parent's head made the way {@code ControlPlane.createBranch} makes it, step by
 * step with a timer on each, through the same clients (no HTTP): the catalog's checks, the parent's
 * CHECKPOINT, the fork point (one ratis-wal read), {@code createFork} (one write), and the
 * catalog record. Keep the steps in step with the control plane; the report compares their sum
 * with the API's figure. (Until session 8 the control plane also asked the parent's status four
 * times and waited for every page-store shard to list the new timeline.)
 */
final class Steps {
    static final String CATALOG_READS = "catalog: project, parent, name free (3 linearizable reads)";
    static final String CHECKPOINT = "CHECKPOINT on the parent's running compute (psql)";
    static final String FORK_POINT = "ratis-wal: ForkPoint at the head (1 query: record end, cut, fork-page prefix)";
    static final String CREATE_FORK = "ratis-wal: createFork (1 Raft write)";
    static final String CATALOG_WRITE = "catalog: createBranch (1 Raft write)";
    static final List<String> ORDER = List.of(CATALOG_READS, CHECKPOINT, FORK_POINT, CREATE_FORK, CATALOG_WRITE);

    private final WalClient wal;
    private final CatalogClient catalog;
    private final PageStoreClient pages;

    Steps(WalClient wal, CatalogClient catalog, PageStoreClient pages) {
        this.wal = wal;
        this.catalog = catalog;
        this.pages = pages;
    }

    /**
     * Creates {@code name} from main's head; with main's compute running, CHECKPOINTs it first (as
     * the control plane does), else skips that step. Returns the branch.
     */
    CatalogModel.Branch create(
            ProjectRun p, String name, boolean mainRunning, Map<String, Latencies> into, Latencies total)
            throws InterruptedException {
        long t0 = System.nanoTime();
        catalog.getProject(p.name);
        CatalogModel.Branch parent = catalog.getBranch(p.name, "main");
        try {
            catalog.getBranch(p.name, name);
            throw new IllegalStateException("branch " + name + " of " + p.name + " already exists");
        } catch (CatalogException e) {
            if (e.code() != Rejection.Code.NOT_FOUND) {
                throw e;
            }
        }
        long t1 = lap(into, CATALOG_READS, t0);
        TimelineId ptl = parent.timeline().id();
        long t2 = t1;
        if (mainRunning) {
            Pg.sql(p.mainPort, "CHECKPOINT");
            t2 = lap(into, CHECKPOINT, t1);
        }
        ForkPointReply at = WalClient.await(wal.forkPointAtHead(ptl));
        long t3 = lap(into, FORK_POINT, t2);
        TimelineId child = TimelineId.random();
        TimelineStatus forked = WalClient.await(wal.createFork(child, ptl, at, pages.shardCount()));
        long t4 = lap(into, CREATE_FORK, t3);
        CatalogModel.Branch b = catalog.withRequestId(CatalogClient.newRequestId())
                .createBranch(
                        p.name,
                        name,
                        "main",
                        new TimelineSpec(
                                child, Lsn.of(forked.getForkLsn()), Seq.of(forked.getForkCut()), wal.groupOf(child)));
        lap(into, CATALOG_WRITE, t4);
        total.add(System.nanoTime() - t0);
        return b;
    }

    private static long lap(Map<String, Latencies> into, String step, long since) {
        long now = System.nanoTime();
        add(into, step, now - since);
        return now;
    }

    private static void add(Map<String, Latencies> into, String step, long nanos) {
        into.computeIfAbsent(step, k -> new Latencies()).add(nanos);
    }
}
