package io.ramify.catalog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchInfo;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.CreateProject;
import io.ramify.catalog.proto.DeleteProject;
import io.ramify.catalog.proto.GetProject;
import io.ramify.catalog.proto.GetTimeline;
import io.ramify.catalog.proto.ListProjects;
import io.ramify.catalog.proto.ListTimelines;
import io.ramify.catalog.proto.ProjectCreated;
import io.ramify.catalog.proto.ProjectDeleted;
import io.ramify.catalog.proto.ProjectList;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.SetProtected;
import io.ramify.catalog.proto.TimelineList;
import io.ramify.common.TimelineId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Projects in the pure core: creation, its refusals, deletion, listings. */
class CatalogCoreProjectsTest {
    final CoreHarness h = new CoreHarness();

    @Test
    void aNewProjectHasARootTimelineAndItsMainBranchOnIt() {
        TimelineId root = h.newTimelineId();
        ProjectCreated c = h.ok(Command.newBuilder()
                        .setCreateProject(CreateProject.newBuilder()
                                .setName("shop")
                                .setRootTimeline(CoreHarness.bytes(root))
                                .setWalGroup(2)))
                .getProjectCreated();
        assertEquals("shop", c.getProject().getName());
        assertEquals(15, c.getProject().getPgVersion());
        assertEquals(24 * 3600_000L, c.getProject().getHistoryWindowMillis());
        assertEquals("main", c.getProject().getDefaultBranch());
        assertEquals(h.now, c.getProject().getCreatedAtMillis(), "created at the leader's time");
        BranchInfo main = c.getRootBranch();
        assertEquals("main", main.getBranch().getName());
        assertEquals("", main.getBranch().getParent());
        assertEquals(0, main.getBranch().getIdleTimeoutSeconds(), "main never suspends by default");
        assertEquals(CoreHarness.bytes(root), main.getTimeline().getId());
        assertTrue(main.getTimeline().getParent().isEmpty());
        assertEquals(0, main.getTimeline().getForkLsn());
        assertEquals(2, main.getTimeline().getWalGroup());
        assertEquals(main, h.get("shop", "main"));
    }

    @Test
    void badProjectsAreRefusedWithTheReason() {
        h.project("shop");
        assertTrue(h.refused(Code.INVALID_NAME, CoreHarness.createProject("Shop", h.newTimelineId()))
                .contains("lower-case"));
        h.refused(Code.INVALID_NAME, CoreHarness.createProject("1shop", h.newTimelineId()));
        h.refused(Code.INVALID_NAME, CoreHarness.createProject("a".repeat(41), h.newTimelineId()));
        h.refused(Code.INVALID_NAME, CoreHarness.createProject("", h.newTimelineId()));
        assertTrue(h.refused(Code.ALREADY_EXISTS, CoreHarness.createProject("shop", h.newTimelineId()))
                .contains("already exists"));
        TimelineId mainOfShop =
                TimelineId.fromBytes(h.get("shop", "main").getTimeline().getId().toByteArray());
        h.refused(Code.ALREADY_EXISTS, CoreHarness.createProject("other", mainOfShop));
        assertTrue(h.refused(
                        Code.INVALID_ARGUMENT,
                        Command.newBuilder()
                                .setCreateProject(CreateProject.newBuilder()
                                        .setName("other")
                                        .setRootTimeline(CoreHarness.bytes(h.newTimelineId()))
                                        .setPgVersion(14)))
                .contains("only 15"));
        h.refused(
                Code.INVALID_ARGUMENT,
                Command.newBuilder()
                        .setCreateProject(CreateProject.newBuilder()
                                .setName("other")
                                .setRootTimeline(CoreHarness.bytes(h.newTimelineId()))
                                .setHistoryWindowMillis(1000)));
        h.refused(
                Code.INVALID_ARGUMENT,
                Command.newBuilder()
                        .setCreateProject(CreateProject.newBuilder()
                                .setName("other")
                                .setRootTimeline(CoreHarness.bytes(h.newTimelineId()))
                                .setWalGroup(64)));
        h.refused(
                Code.MALFORMED,
                Command.newBuilder()
                        .setCreateProject(CreateProject.newBuilder()
                                .setName("other")
                                .setRootTimeline(ByteString.copyFrom(new byte[8]))));
        h.ok(CoreHarness.createProject("other", h.newTimelineId()));
    }

    @Test
    void deletingAProjectTombstonesItsTimelinesAndKeepsItsName() {
        TimelineId root = h.project("shop");
        h.branch("shop", "dev", "main", 100);
        h.branch("shop", "feature", "dev", 200);
        h.ok(Command.newBuilder()
                .setSetProtected(SetProtected.newBuilder()
                        .setProject("shop")
                        .setBranch("dev")
                        .setProtected(true)));
        assertTrue(h.refused(Code.PROTECTED, deleteProject("shop")).contains("[dev]"));
        h.ok(Command.newBuilder()
                .setSetProtected(SetProtected.newBuilder().setProject("shop").setBranch("dev")));
        h.now += 5000;
        ProjectDeleted d = h.ok(deleteProject("shop")).getProjectDeleted();
        assertEquals(h.now, d.getProject().getDeletedAtMillis());
        assertEquals(3, d.getTombstonedCount());
        d.getTombstonedList().forEach(t -> assertEquals(h.now, t.getDeletedAtMillis()));
        assertEquals(
                Code.NOT_FOUND,
                h.query(QueryRequest.newBuilder()
                                .setGetProject(GetProject.newBuilder().setName("shop")))
                        .getRejected()
                        .getCode());
        assertTrue(h.refused(Code.ALREADY_EXISTS, CoreHarness.createProject("shop", h.newTimelineId()))
                .contains("never reused"));
        TimelineList tls = h.query(QueryRequest.newBuilder()
                        .setListTimelines(ListTimelines.newBuilder().setProject("shop")))
                .getTimelines();
        assertEquals(3, tls.getTimelinesCount(), "retention still learns the deleted project's timelines");
        assertEquals(
                h.now,
                h.query(QueryRequest.newBuilder()
                                .setGetTimeline(GetTimeline.newBuilder().setId(CoreHarness.bytes(root))))
                        .getTimeline()
                        .getDeletedAtMillis());
        h.refused(Code.NOT_FOUND, deleteProject("shop"));
    }

    @Test
    void listingsPageAndSkipDeletedProjects() {
        for (String p : List.of("a", "b", "c", "d", "e")) {
            h.project(p);
        }
        h.ok(deleteProject("b"));
        h.ok(deleteProject("c"));
        ProjectList first = h.query(QueryRequest.newBuilder()
                        .setListProjects(ListProjects.newBuilder().setMax(3)))
                .getProjects();
        assertEquals(
                List.of("a"),
                first.getProjectsList().stream().map(p -> p.getName()).toList());
        assertTrue(first.getMore());
        assertEquals("c", first.getNextAfter());
        ProjectList second = h.query(QueryRequest.newBuilder()
                        .setListProjects(ListProjects.newBuilder().setMax(3).setAfter(first.getNextAfter())))
                .getProjects();
        assertEquals(
                List.of("d", "e"),
                second.getProjectsList().stream().map(p -> p.getName()).toList());
        assertTrue(!second.getMore());

        for (int i = 0; i < 4; i++) {
            h.branch("a", "b" + i, "main", 100 + i);
        }
        TimelineList page1 = h.query(QueryRequest.newBuilder()
                        .setListTimelines(
                                ListTimelines.newBuilder().setProject("a").setMax(3)))
                .getTimelines();
        assertEquals(3, page1.getTimelinesCount());
        assertTrue(page1.getMore());
        TimelineList page2 = h.query(QueryRequest.newBuilder()
                        .setListTimelines(ListTimelines.newBuilder()
                                .setProject("a")
                                .setMax(3)
                                .setAfter(page1.getTimelines(2).getId())))
                .getTimelines();
        assertEquals(2, page2.getTimelinesCount());
        assertTrue(!page2.getMore());
    }

    @Test
    void theProjectLimitCountsDeletedProjects() {
        // The limit itself is large; this checks the counter that enforces it.
        h.project("a");
        h.project("b");
        h.ok(deleteProject("a"));
        assertEquals(2, Store.forQuery(h.kv).meta().projects());
        assertTrue(CatalogLimits.PROJECTS_MAX > 2);
    }

    static Command.Builder deleteProject(String name) {
        return Command.newBuilder().setDeleteProject(DeleteProject.newBuilder().setName(name));
    }
}
