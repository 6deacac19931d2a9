package io.ramify.control;

import static io.ramify.control.BranchingEndToEndTest.sql;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.catalog.client.CatalogClient;
import io.ramify.catalog.client.CatalogClientConfig;
import io.ramify.catalog.client.CatalogException;
import io.ramify.catalog.client.CatalogModel.TimelineSpec;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import io.ramify.control.client.ApiClient;
import io.ramify.control.http.ApiException;
import io.ramify.wal.client.WalClient;
import io.ramify.wal.client.WalClientConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A branch operation that the catalog's state refuses changes nothing: no timeline forked in
 * ratis-wal, no compute stopped, no field of a PATCH applied; the API answers as the catalog would
 * (code, status, words). And when the catalog refuses only at its write, after the fork and the
 * stop (a concurrent change; here a reused request id), the compute runs again.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class RefusalsComeFirstTest {
    static final String PROJECT = "guard";
    static final String P = "/v1/projects/" + PROJECT;

    @TempDir
    Path dir;

    @Test
    void refusedOperationsForkNothingStopNothingAndApplyNothing() throws Exception {
        try (Stack s = new Stack(dir);
                WalClient wal = WalClient.connect(s.wal, WalClientConfig.DEFAULT);
                CatalogClient catalog = CatalogClient.connect(s.wal, CatalogClientConfig.DEFAULT)) {
            ApiClient api = s.api;
            api.post("/v1/projects", new Views.CreateProject(PROJECT, null), Views.ProjectCreated.class);
            int mainPort = api.post(P + "/branches/main/compute/start", null, Views.Branch.class)
                    .compute()
                    .port();
            sql(mainPort, "CREATE TABLE t (x int); INSERT INTO t VALUES (1)");
            api.post(P + "/branches", new Views.CreateBranch("dev", "main", null, null, null), Views.Branch.class);
            Views.Branch dev = api.post(P + "/branches/dev/compute/start", null, Views.Branch.class);
            assertEquals("RUNNING", dev.compute().state(), dev.toString());
            api.patch(P + "/branches/dev", new Views.UpdateBranch(null, true, null, null), Views.Branch.class);

            // A reset of a protected branch: 409 PROTECTED in the catalog's words, nothing forked or stopped.
            Set<TimelineId> before = timelines(wal);
            String devStarted = started(dev);
            ApiException refused =
                    expect(409, "PROTECTED", () -> api.post(P + "/branches/dev/reset", null, Views.Branch.class));
            CatalogException byCatalog = assertThrows(
                    CatalogException.class,
                    () -> catalog.resetBranch(
                            PROJECT, "dev", new TimelineSpec(TimelineId.random(), Lsn.of(0), Seq.of(0), 0)));
            assertEquals(byCatalog.getMessage(), "PROTECTED: " + refused.getMessage());
            assertAll(
                    () -> assertEquals(before, timelines(wal), "a refused reset forked no timeline in ratis-wal"),
                    () -> assertStillRunning(api, dev, devStarted));

            // A PATCH that is refused applies none of its fields (it used to unprotect dev, then refuse).
            expect(
                    400,
                    "INVALID_NAME",
                    () -> api.patch(
                            P + "/branches/dev",
                            new Views.UpdateBranch("bad name!", false, null, null),
                            Views.Branch.class));
            expect(
                    400,
                    "INVALID_ARGUMENT",
                    () -> api.patch(
                            P + "/branches/dev", new Views.UpdateBranch(null, false, null, -1L), Views.Branch.class));
            expect(
                    400,
                    "INVALID_ARGUMENT",
                    () -> api.patch(
                            P + "/branches/dev",
                            new Views.UpdateBranch(
                                    null, false, null, Duration.ofDays(8).toSeconds()),
                            Views.Branch.class));
            expect(
                    409,
                    "ALREADY_EXISTS",
                    () -> api.patch(
                            P + "/branches/dev",
                            new Views.UpdateBranch("main", false, null, null),
                            Views.Branch.class));
            assertTrue(
                    api.get(P + "/branches/dev", Views.Branch.class).isProtected(), "refused PATCHes changed nothing");

            // A restored main has a parent (its backup) and is still the default branch: a delete is
            // refused before its compute is stopped.
            String head = api.get(P + "/branches/main", Views.Branch.class).headLsn();
            Views.Restored restored =
                    api.post(P + "/branches/main/restore", new Views.Restore(head, null), Views.Restored.class);
            assertEquals("RUNNING", restored.branch().compute().state(), restored.toString());
            String mainStarted = started(restored.branch());
            ApiException notDeleted =
                    expect(409, "IS_ROOT", () -> api.delete(P + "/branches/main", Views.DeleteResult.class));
            CatalogException deleteByCatalog =
                    assertThrows(CatalogException.class, () -> catalog.deleteBranch(PROJECT, "main"));
            assertEquals(deleteByCatalog.getMessage(), "IS_ROOT: " + notDeleted.getMessage());
            assertStillRunning(api, restored.branch(), mainStarted);

            // The catalog refuses only at its write (what a concurrent protect by another control plane
            // would cause; here the request id was used before): the compute runs again; the fork stays
            // behind (ratis-wal cannot delete a timeline), held by no branch.
            api.patch(P + "/branches/dev", new Views.UpdateBranch(null, false, null, null), Views.Branch.class);
            String key = "used-for-something-else";
            catalog.withRequestId(key).setIdleTimeout(PROJECT, "main", Duration.ofHours(1));
            ControlError late =
                    assertThrows(ControlError.class, () -> s.control().plane().resetBranch(key, PROJECT, "dev"));
            assertEquals("REQUEST_ID_REUSED", late.code(), late.getMessage());
            Views.Branch after = api.get(P + "/branches/dev", Views.Branch.class);
            assertEquals("RUNNING", after.compute().state(), after.toString());
            assertEquals(dev.timeline(), after.timeline(), "the refused reset left dev on its timeline");
            assertEquals("1", sql(after.compute().port(), "SELECT count(*) FROM t"));
            Set<TimelineId> left = timelines(wal);
            left.removeAll(before);
            left.removeAll(
                    catalog.listTimelines(PROJECT).stream().map(t -> t.id()).toList());
            assertEquals(Set.of(Forks.derivedId("reset", PROJECT + "/dev", key)), left);
        }
    }

    /** The branch's compute runs where it ran, on its timeline, never stopped (its Postgres started when it did). */
    private static void assertStillRunning(ApiClient api, Views.Branch was, String startedAt) {
        Views.Branch now = api.get(P + "/branches/" + was.name(), Views.Branch.class);
        assertEquals("RUNNING", now.compute().state(), "compute of " + was.name() + " after a refusal: " + now);
        assertEquals(was.compute().port(), now.compute().port(), "the same compute: " + now);
        assertEquals(was.timeline(), now.timeline());
        assertEquals(startedAt, started(now), "the compute of " + was.name() + " was not restarted");
        assertEquals("1", sql(now.compute().port(), "SELECT count(*) FROM t"));
    }

    private static String started(Views.Branch b) {
        return sql(b.compute().port(), "SELECT pg_postmaster_start_time()");
    }

    private static Set<TimelineId> timelines(WalClient wal) {
        return WalClient.await(wal.listTimelines()).stream()
                .map(t -> TimelineId.fromBytes(t.getTimeline().toByteArray()))
                .collect(Collectors.toSet());
    }

    private static ApiException expect(int status, String code, Executable call) {
        ApiException e = assertThrows(ApiException.class, call);
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(status, e.status(), e.getMessage());
        assertFalse(e.getMessage().isBlank());
        return e;
    }
}
