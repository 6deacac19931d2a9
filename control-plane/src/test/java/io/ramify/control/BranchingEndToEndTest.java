package io.ramify.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.type.TypeReference;
import io.ramify.control.client.ApiClient;
import io.ramify.control.http.ApiException;
import io.ramify.testsupport.Processes;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Branching through the REST API on the whole system: a project, pgbench data on main, a dev
 * branch whose changes stay isolated from main's and back, a schema diff, refused bad input that
 * changes nothing, delete refusals, reset to the parent's head, and restore to an LSN with the
 * backup branch holding the previous state.
 */
@org.junit.jupiter.api.Tag("integration") // real servers, Postgres or FUSE: run after the unit tests
class BranchingEndToEndTest {
    static final String PG = "/usr/lib/postgresql/15/bin/";
    static final String P = "/v1/projects/shop";

    @TempDir
    Path dir;

    @Test
    void branchesAreIsolatedAndOperationsBehaveAsSpecified() throws Exception {
        try (Stack s = new Stack(dir)) {
            ApiClient api = s.api;
            Views.ProjectCreated created =
                    api.post("/v1/projects", new Views.CreateProject("shop", null), Views.ProjectCreated.class);
            assertEquals("main", created.mainBranch().name());
            Views.Branch main = api.post(P + "/branches/main/compute/start", null, Views.Branch.class);
            assertEquals("RUNNING", main.compute().state(), main.toString());
            int mainPort = main.compute().port();
            pg(mainPort, "pgbench", "-i", "-s", "1", "-q");
            sql(mainPort, "CREATE TABLE notes (id int PRIMARY KEY, v text)");
            sql(mainPort, "INSERT INTO notes VALUES (1, 'before the branch')");
            branchAtATimeHasTheCommitsBeforeItAndNoneAfter(api, mainPort);

            Views.Branch dev = api.post(
                    P + "/branches", new Views.CreateBranch("dev", "main", null, null, null), Views.Branch.class);
            assertEquals("main", dev.parent());
            assertNotNull(dev.forkLsn());
            int devPort = api.post(P + "/branches/dev/compute/start", null, Views.Branch.class)
                    .compute()
                    .port();
            assertEquals("1", sql(devPort, "SELECT count(*) FROM notes"), "dev sees main's data as of the fork");

            // Changes on each side stay on that side.
            sql(mainPort, "UPDATE pgbench_accounts SET abalance = 1 WHERE aid <= 10");
            sql(mainPort, "CREATE TABLE main_only (x int)");
            sql(devPort, "UPDATE pgbench_accounts SET abalance = 2 WHERE aid <= 10");
            sql(devPort, "CREATE TABLE dev_only (x int)");
            sql(devPort, "INSERT INTO dev_only SELECT generate_series(1, 1000)");
            sql(devPort, "INSERT INTO notes VALUES (2, 'on dev')");
            assertEquals("10|1", sql(mainPort, "SELECT count(*), max(abalance) FROM pgbench_accounts WHERE aid <= 10"));
            assertEquals("10|2", sql(devPort, "SELECT count(*), max(abalance) FROM pgbench_accounts WHERE aid <= 10"));
            assertEquals("1", sql(mainPort, "SELECT count(*) FROM notes"));
            assertEquals("2", sql(devPort, "SELECT count(*) FROM notes"));
            assertEquals(
                    "main_only",
                    sql(mainPort, "SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE '%_only'"));
            assertEquals(
                    "dev_only",
                    sql(devPort, "SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE '%_only'"));

            everyRunningComputesMetricsAreOnTheControlPlane(api, List.of("main", "dev"));

            Views.Diff diff = api.get(P + "/branches/dev/diff", Views.Diff.class);
            assertFalse(diff.schemaEqual());
            assertTrue(
                    diff.schemaDiff().contains("+CREATE TABLE public.dev_only ("),
                    diff.schemaDiff().toString());
            assertTrue(
                    diff.schemaDiff().contains("-CREATE TABLE public.main_only ("),
                    diff.schemaDiff().toString());
            // Storage: the relations both sides changed differ in some blocks; dev_only exists on dev
            // only (1000 ints: 5 blocks); a table neither side touched since the fork is not listed.
            Map<String, Views.RelationChange> changed = new java.util.HashMap<>();
            diff.relations().stream()
                    .filter(r -> r.relation() != null && r.fork().equals("main"))
                    .forEach(r -> changed.put(r.relation(), r));
            String relations = diff.relations().toString();
            System.out.println("storage diff of dev against main: " + relations);
            assertTrue(changed.get("pgbench_accounts").changedBlocks() >= 1, relations);
            assertTrue(changed.get("notes").changedBlocks() >= 1, relations);
            Views.RelationChange devOnly = changed.get("dev_only");
            assertTrue(devOnly.inBranch() && !devOnly.inOther(), relations);
            assertEquals(5, devOnly.blocksInBranch(), relations);
            assertEquals(5, devOnly.changedBlocks(), relations);
            assertFalse(changed.get("dev_only").system(), relations);
            assertFalse(changed.containsKey("pgbench_tellers"), relations);
            assertTrue(
                    changed.values().stream()
                            .filter(r -> !r.system())
                            .allMatch(r -> r.file().startsWith("base/5/")),
                    relations);
            // The other way round, against dev: the same relations, the sides swapped.
            Views.Diff back = api.get(P + "/branches/main/diff?against=dev", Views.Diff.class);
            Views.RelationChange devOnlyBack = back.relations().stream()
                    .filter(r -> "dev_only".equals(r.relation()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(back.relations().toString()));
            assertTrue(
                    !devOnlyBack.inBranch() && devOnlyBack.inOther() && devOnlyBack.changedBlocks() == 5,
                    back.relations().toString());

            List<Views.Branch> before = branches(api);
            // Bad input: a clear error, nothing changed.
            expect(
                    409,
                    "ALREADY_EXISTS",
                    () -> api.post(
                            P + "/branches",
                            new Views.CreateBranch("dev", "main", null, null, null),
                            Views.Branch.class));
            expect(
                    400,
                    "INVALID_NAME",
                    () -> api.post(
                            P + "/branches",
                            new Views.CreateBranch("bad name!", "main", null, null, null),
                            Views.Branch.class));
            expect(
                    404,
                    "NOT_FOUND",
                    () -> api.post(
                            P + "/branches",
                            new Views.CreateBranch("x", "nope", null, null, null),
                            Views.Branch.class));
            expect(
                    422,
                    "BEYOND_END",
                    () -> api.post(
                            P + "/branches",
                            new Views.CreateBranch("x", "main", "FF/0", null, null),
                            Views.Branch.class));
            expect(
                    400,
                    "INVALID_ARGUMENT",
                    () -> api.post(
                            P + "/branches",
                            new Views.CreateBranch("x", "main", "zz", null, null),
                            Views.Branch.class));
            expect(
                    422,
                    "OUT_OF_WINDOW",
                    () -> api.post(
                            P + "/branches",
                            new Views.CreateBranch(
                                    "x",
                                    "main",
                                    null,
                                    Instant.now().minus(Duration.ofDays(2)).toString(),
                                    null),
                            Views.Branch.class));
            expect(
                    422,
                    "BEYOND_END",
                    () -> api.post(
                            P + "/branches",
                            new Views.CreateBranch(
                                    "x",
                                    "main",
                                    null,
                                    Instant.now().plus(Duration.ofDays(1)).toString(),
                                    null),
                            Views.Branch.class));
            expect(404, "NOT_FOUND", () -> api.get(P + "/branches/nope", Views.Branch.class));
            expect(404, "NOT_FOUND", () -> api.get("/v1/projects/nope/branches", Object.class));
            expect(
                    400,
                    "INVALID_ARGUMENT",
                    () -> api.post(P + "/branches", Map.of("name", "x", "surprise", 1), Views.Branch.class));
            expect(409, "IS_ROOT", () -> api.delete(P + "/branches/main", Views.DeleteResult.class));
            assertEquals(names(before), names(branches(api)), "refused requests changed nothing");

            // Delete refusals: protected, then children.
            api.patch(P + "/branches/dev", new Views.UpdateBranch(null, true, null, null), Views.Branch.class);
            expect(409, "PROTECTED", () -> api.delete(P + "/branches/dev", Views.DeleteResult.class));
            api.patch(P + "/branches/dev", new Views.UpdateBranch(null, false, null, null), Views.Branch.class);
            api.post(P + "/branches", new Views.CreateBranch("feature", "dev", null, null, null), Views.Branch.class);
            expect(409, "HAS_CHILDREN", () -> api.delete(P + "/branches/dev", Views.DeleteResult.class));
            expect(409, "HAS_CHILDREN", () -> api.post(P + "/branches/dev/reset", null, Views.Branch.class));
            api.delete(P + "/branches/feature", Views.DeleteResult.class);

            // Reset: dev becomes main's head; its compute comes back there.
            Views.Branch reset = api.post(P + "/branches/dev/reset", null, Views.Branch.class);
            assertEquals("RUNNING", reset.compute().state());
            devPort = reset.compute().port();
            assertEquals("1", sql(devPort, "SELECT count(*) FROM notes"), "dev's own row is gone after reset");
            assertEquals(
                    "main_only",
                    sql(devPort, "SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE '%_only'"));

            // Restore to an LSN of dev's own history; the backup keeps what came after.
            sql(devPort, "INSERT INTO notes VALUES (42, 'keep')");
            String keepLsn = api.get(P + "/branches/dev", Views.Branch.class).headLsn();
            sql(devPort, "INSERT INTO notes VALUES (43, 'after the restore point')");
            Views.Restored restored =
                    api.post(P + "/branches/dev/restore", new Views.Restore(keepLsn, null), Views.Restored.class);
            assertTrue(
                    restored.backup().name().startsWith("dev_old_"),
                    restored.backup().name());
            devPort = restored.branch().compute().port();
            assertEquals("1,42", sql(devPort, "SELECT string_agg(id::text, ',' ORDER BY id) FROM notes"));
            int backupPort = api.post(
                            P + "/branches/" + restored.backup().name() + "/compute/start", null, Views.Branch.class)
                    .compute()
                    .port();
            assertEquals("1,42,43", sql(backupPort, "SELECT string_agg(id::text, ',' ORDER BY id) FROM notes"));

            List<Views.Branch> all = branches(api);
            assertEquals(
                    List.of("dev", restored.backup().name(), "main"),
                    names(all).stream().sorted().toList());
            for (Views.Branch b : all) {
                assertNotNull(b.ownedBytes(), "sizes listed for " + b.name());
            }
        }
    }

    private static List<Views.Branch> branches(ApiClient api) {
        return api.get(P + "/branches", new TypeReference<List<Views.Branch>>() {});
    }

    /**
     * A branch at a time (ForkPoint's time case: the end of the last commit at or before it) holds a
     * row committed a second before that time and not one committed a second after. Deleted after,
     * so the rest of the test sees the branches it made.
     */
    private static void branchAtATimeHasTheCommitsBeforeItAndNoneAfter(ApiClient api, int mainPort)
            throws InterruptedException {
        Thread.sleep(1_000);
        Instant between = Instant.now();
        Thread.sleep(1_000);
        sql(mainPort, "INSERT INTO notes VALUES (100, 'after the time')");
        api.post(
                P + "/branches",
                new Views.CreateBranch("at-time", "main", null, between.toString(), null),
                Views.Branch.class);
        int port = api.post(P + "/branches/at-time/compute/start", null, Views.Branch.class)
                .compute()
                .port();
        assertEquals(
                "1|before the branch",
                sql(port, "SELECT count(*), min(v) FROM notes"),
                "a branch at " + between + " has the commit before it and not the one after");
        api.delete(P + "/branches/at-time", Views.DeleteResult.class);
        sql(mainPort, "DELETE FROM notes WHERE id = 100");
    }

    /** Every running compute's own metrics are on the control plane's /v1/metrics, per branch. */
    private static void everyRunningComputesMetricsAreOnTheControlPlane(ApiClient api, List<String> branches) {
        String metrics = api.getText("/v1/metrics");
        for (String b : branches) {
            String fsyncs = "ramify_adapter_fuse_fsync_seconds_count{project=\"shop\",branch=\"" + b + "\"} ";
            assertTrue(metrics.contains(fsyncs), "no " + fsyncs + "in /v1/metrics");
            assertTrue(
                    metrics.contains(
                            "ramify_wal_client_append_commit_seconds_count{project=\"shop\",branch=\"" + b + "\"} "),
                    "WAL client of " + b);
        }
    }

    private static List<String> names(List<Views.Branch> l) {
        List<String> out = new ArrayList<>();
        l.forEach(b -> out.add(b.name()));
        return out;
    }

    private static void expect(int status, String code, Executable call) {
        ApiException e = assertThrows(ApiException.class, call);
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(status, e.status(), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }

    static String sql(int port, String sql) {
        return pg(port, "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql);
    }

    static String pg(int port, String tool, String... args) {
        List<String> cmd =
                new ArrayList<>(List.of(PG + tool, "-h", "127.0.0.1", "-p", Integer.toString(port), "-U", "postgres"));
        cmd.addAll(List.of(args));
        Processes.Result r =
                Processes.exec(cmd, Duration.ofMinutes(5), Path.of("/tmp"), Map.of("PGDATABASE", "postgres"));
        if (r.exitCode() != 0) {
            throw new AssertionError(r.describe());
        }
        return r.stdout().trim();
    }
}
