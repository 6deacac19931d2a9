package io.ramify.catalog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchInfo;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.CreateBranch;
import io.ramify.catalog.proto.DeleteBranch;
import io.ramify.catalog.proto.ListBranches;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.RenameBranch;
import io.ramify.catalog.proto.ResetBranch;
import io.ramify.catalog.proto.RestoreBranch;
import io.ramify.catalog.proto.Restored;
import io.ramify.catalog.proto.SetProtected;
import io.ramify.catalog.proto.TimelineRecord;
import io.ramify.catalog.proto.TimelineSpec;
import io.ramify.common.TimelineId;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tree of branches in the pure core: create, reset, restore, rename, delete and refusals. */
class CatalogCoreBranchesTest {
    final CoreHarness h = new CoreHarness();
    TimelineId root;

    @BeforeEach
    void project() {
        root = h.project("shop");
    }

    @Test
    void aBranchForksFromItsParentsCurrentTimeline() {
        h.now += 1000;
        TimelineSpec spec = CoreHarness.spec(h.newTimelineId(), 0x1_0000_0028L, 812, 1);
        BranchInfo dev =
                h.ok(CoreHarness.createBranch("shop", "dev", "main", spec)).getBranch();
        assertEquals("main", dev.getBranch().getParent());
        assertEquals(h.now, dev.getBranch().getCreatedAtMillis());
        assertEquals(CatalogLimits.DEFAULT_IDLE_TIMEOUT_SECONDS, dev.getBranch().getIdleTimeoutSeconds());
        assertFalse(dev.getBranch().getProtected());
        TimelineRecord t = dev.getTimeline();
        assertEquals(spec.getId(), t.getId());
        assertEquals(CoreHarness.bytes(root), t.getParent());
        assertEquals(0x1_0000_0028L, t.getForkLsn());
        assertEquals(812, t.getForkCut());
        assertEquals(1, t.getWalGroup());
        assertEquals("shop", t.getProject());

        BranchInfo feature = h.branch("shop", "feature.x_1-2", "dev", 0x1_0000_0100L);
        assertEquals(dev.getTimeline().getId(), feature.getTimeline().getParent());
        List<String> names = h
                .query(QueryRequest.newBuilder()
                        .setListBranches(ListBranches.newBuilder().setProject("shop")))
                .getBranches()
                .getBranchesList()
                .stream()
                .map(b -> b.getBranch().getName())
                .toList();
        assertEquals(List.of("dev", "feature.x_1-2", "main"), names);
    }

    @Test
    void badBranchesAreRefusedWithTheReason() {
        BranchInfo dev = h.branch("shop", "dev", "main", 1000);
        assertTrue(h.refused(Code.NOT_FOUND, CoreHarness.createBranch("nope", "x", "main", h.spec(100)))
                .contains("project nope"));
        assertTrue(h.refused(Code.NOT_FOUND, CoreHarness.createBranch("shop", "x", "ghost", h.spec(100)))
                .contains("parent branch ghost"));
        assertTrue(h.refused(Code.ALREADY_EXISTS, CoreHarness.createBranch("shop", "dev", "main", h.spec(100)))
                .contains("dev"));
        for (String bad : List.of("", "-x", ".x", "_x", "a b", "a/b", "x".repeat(64), "ä")) {
            h.refused(Code.INVALID_NAME, CoreHarness.createBranch("shop", bad, "main", h.spec(100)));
        }
        h.ok(CoreHarness.createBranch("shop", "X".repeat(63), "main", h.spec(100)));
        assertTrue(h.refused(Code.INVALID_ARGUMENT, CoreHarness.createBranch("shop", "x", "main", h.spec(0)))
                .contains("needs a fork LSN"));
        assertTrue(h.refused(Code.INVALID_ARGUMENT, CoreHarness.createBranch("shop", "x", "dev", h.spec(999)))
                .contains("below its parent timeline's own fork LSN 0/3E8"));
        h.refused(
                Code.ALREADY_EXISTS,
                CoreHarness.createBranch(
                        "shop",
                        "x",
                        "main",
                        CoreHarness.spec(
                                TimelineId.fromBytes(dev.getTimeline().getId().toByteArray()), 100, 1, 0)));
        h.refused(
                Code.INVALID_ARGUMENT,
                Command.newBuilder()
                        .setCreateBranch(CreateBranch.newBuilder()
                                .setProject("shop")
                                .setName("x")
                                .setParent("main")
                                .setTimeline(h.spec(100))
                                .setExpiresAtMillis(h.now)));
        h.refused(Code.INVALID_ARGUMENT, CoreHarness.createBranch("shop", "x", "main", h.spec(-5)));
    }

    @Test
    void tooManyBranchesAreRefused() {
        h.checking = false;
        for (int i = 1; i < CatalogLimits.BRANCHES_PER_PROJECT_MAX; i++) {
            h.branch("shop", "b" + i, "main", 100);
        }
        h.checking = true;
        assertTrue(h.refused(Code.LIMIT_EXCEEDED, CoreHarness.createBranch("shop", "one-more", "main", h.spec(100)))
                .contains("limit is " + CatalogLimits.BRANCHES_PER_PROJECT_MAX));
    }

    @Test
    void resetPointsTheBranchAtANewForkOfItsParentAndTombstonesTheOldTimeline() {
        BranchInfo dev = h.branch("shop", "dev", "main", 1000);
        h.now += 60_000;
        TimelineSpec fresh = h.spec(5000);
        BranchInfo reset = h.ok(reset("dev", fresh)).getBranch();
        assertEquals(fresh.getId(), reset.getTimeline().getId());
        assertEquals(CoreHarness.bytes(root), reset.getTimeline().getParent());
        assertEquals(5000, reset.getTimeline().getForkLsn());
        assertEquals(dev.getBranch().getCreatedAtMillis(), reset.getBranch().getCreatedAtMillis());
        assertEquals(h.now, h.timeline(dev.getTimeline().getId()).getDeletedAtMillis(), "old timeline tombstoned");
    }

    @Test
    void resetIsRefusedForARootAProtectedBranchOrOneWithChildren() {
        h.branch("shop", "dev", "main", 1000);
        h.branch("shop", "a", "dev", 2000);
        h.branch("shop", "b", "dev", 2000);
        assertTrue(h.refused(Code.IS_ROOT, reset("main", h.spec(100))).contains("no parent to reset to"));
        String msg = h.refused(Code.HAS_CHILDREN, reset("dev", h.spec(100)));
        assertTrue(msg.contains("[a, b]") && msg.contains("delete them first"), msg);
        h.ok(Command.newBuilder()
                .setSetProtected(SetProtected.newBuilder()
                        .setProject("shop")
                        .setBranch("a")
                        .setProtected(true)));
        assertTrue(h.refused(Code.PROTECTED, reset("a", h.spec(3000))).contains("unprotect"));
        h.refused(Code.NOT_FOUND, reset("ghost", h.spec(100)));
    }

    @Test
    void restoreMakesABackupOfTheOldTimelineThatTakesTheBranchsPlace() {
        BranchInfo dev = h.branch("shop", "dev", "main", 1000);
        BranchInfo child = h.branch("shop", "child", "dev", 3000);
        h.now += 60_000;
        TimelineSpec fresh = h.spec(2000);
        Restored r = h.ok(restore("dev", fresh, "dev_old_20260101T000100Z")).getRestored();
        BranchInfo backup = r.getBackup();
        assertEquals("dev_old_20260101T000100Z", backup.getBranch().getName());
        assertEquals(dev.getTimeline(), backup.getTimeline(), "the backup keeps the old timeline, alive");
        assertEquals("main", backup.getBranch().getParent());
        assertEquals(h.now, backup.getBranch().getCreatedAtMillis());
        BranchInfo restored = r.getBranch();
        assertEquals("dev", restored.getBranch().getName());
        assertEquals(fresh.getId(), restored.getTimeline().getId());
        assertEquals(dev.getTimeline().getId(), restored.getTimeline().getParent(), "forked from its own old timeline");
        assertEquals(backup.getBranch().getName(), restored.getBranch().getParent());
        assertEquals(
                backup.getBranch().getName(),
                h.get("shop", "child").getBranch().getParent(),
                "children move to the backup: their timelines fork from the old one");
        assertEquals(child.getTimeline(), h.get("shop", "child").getTimeline());
        h.refused(
                Code.HAS_CHILDREN,
                Command.newBuilder()
                        .setDeleteBranch(DeleteBranch.newBuilder()
                                .setProject("shop")
                                .setBranch(backup.getBranch().getName())));
    }

    @Test
    void restoringMainMakesTheBackupTheRootOfTheTree() {
        Restored r =
                h.ok(restore("main", h.spec(500), "main_old_20260101T000000Z")).getRestored();
        assertEquals("", r.getBackup().getBranch().getParent());
        assertEquals(CoreHarness.bytes(root), r.getBackup().getTimeline().getId());
        assertEquals("main_old_20260101T000000Z", r.getBranch().getBranch().getParent());
        ProjectRecord p = Store.forQuery(h.kv).project("shop");
        assertEquals("main", p.getDefaultBranch());
        assertTrue(h.refused(
                        Code.IS_ROOT,
                        Command.newBuilder()
                                .setDeleteBranch(DeleteBranch.newBuilder()
                                        .setProject("shop")
                                        .setBranch("main")))
                .contains("default branch"));
    }

    @Test
    void restoreIsRefusedWithTheReason() {
        h.branch("shop", "dev", "main", 1000);
        h.branch("shop", "other", "main", 1000);
        h.refused(Code.ALREADY_EXISTS, restore("dev", h.spec(2000), "other"));
        h.refused(Code.INVALID_NAME, restore("dev", h.spec(2000), "dev old"));
        assertTrue(h.refused(Code.INVALID_ARGUMENT, restore("dev", h.spec(999), "b"))
                .contains("below"));
        h.refused(Code.NOT_FOUND, restore("ghost", h.spec(2000), "b"));
    }

    @Test
    void renameCarriesChildrenExpiryAndTheDefaultBranch() {
        h.branch("shop", "dev", "main", 1000);
        h.branch("shop", "kid", "dev", 2000);
        h.ok(Command.newBuilder()
                .setSetExpiry(io.ramify.catalog.proto.SetExpiry.newBuilder()
                        .setProject("shop")
                        .setBranch("dev")
                        .setExpiresAtMillis(h.now + 10_000)));
        BranchInfo renamed = h.ok(rename("dev", "develop")).getBranch();
        assertEquals("develop", renamed.getBranch().getName());
        assertFalse(h.exists("shop", "dev"));
        assertEquals("develop", h.get("shop", "kid").getBranch().getParent());
        assertEquals(h.now + 10_000, h.get("shop", "develop").getBranch().getExpiresAtMillis());
        h.ok(rename("main", "trunk"));
        assertEquals("trunk", Store.forQuery(h.kv).project("shop").getDefaultBranch());
        assertEquals("trunk", h.get("shop", "develop").getBranch().getParent());
        h.refused(Code.ALREADY_EXISTS, rename("develop", "kid"));
        h.refused(Code.INVALID_ARGUMENT, rename("kid", "kid"));
        h.refused(Code.INVALID_NAME, rename("kid", "k/d"));
        h.refused(Code.NOT_FOUND, rename("ghost", "x"));
    }

    @Test
    void deleteTombstonesTheTimelineAndIsRefusedWithTheReason() {
        BranchInfo dev = h.branch("shop", "dev", "main", 1000);
        h.branch("shop", "kid", "dev", 2000);
        assertTrue(h.refused(Code.IS_ROOT, delete("main")).contains("default branch"));
        assertTrue(h.refused(Code.HAS_CHILDREN, delete("dev")).contains("[kid]"));
        h.ok(Command.newBuilder()
                .setSetProtected(SetProtected.newBuilder()
                        .setProject("shop")
                        .setBranch("kid")
                        .setProtected(true)));
        assertTrue(h.refused(Code.PROTECTED, delete("kid")).contains("unprotect it first"));
        h.ok(Command.newBuilder()
                .setSetProtected(SetProtected.newBuilder().setProject("shop").setBranch("kid")));
        h.now += 1000;
        BranchInfo gone = h.ok(delete("kid")).getBranch();
        assertEquals(h.now, gone.getTimeline().getDeletedAtMillis());
        assertFalse(h.exists("shop", "kid"));
        h.ok(delete("dev"));
        assertEquals(h.now, h.timeline(dev.getTimeline().getId()).getDeletedAtMillis());
        h.refused(Code.NOT_FOUND, delete("dev"));
        h.refused(Code.INVALID_NAME, delete("de v"));
    }

    static Command.Builder reset(String branch, TimelineSpec tl) {
        return Command.newBuilder()
                .setResetBranch(ResetBranch.newBuilder()
                        .setProject("shop")
                        .setBranch(branch)
                        .setTimeline(tl));
    }

    static Command.Builder restore(String branch, TimelineSpec tl, String backup) {
        return Command.newBuilder()
                .setRestoreBranch(RestoreBranch.newBuilder()
                        .setProject("shop")
                        .setBranch(branch)
                        .setTimeline(tl)
                        .setBackupName(backup));
    }

    static Command.Builder rename(String branch, String to) {
        return Command.newBuilder()
                .setRenameBranch(RenameBranch.newBuilder()
                        .setProject("shop")
                        .setBranch(branch)
                        .setNewName(to));
    }

    static Command.Builder delete(String branch) {
        return Command.newBuilder()
                .setDeleteBranch(DeleteBranch.newBuilder().setProject("shop").setBranch(branch));
    }
}
