package io.ramify.catalog.core;

import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchInfo;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.CreateBranch;
import io.ramify.catalog.proto.DeleteBranch;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.RenameBranch;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.ResetBranch;
import io.ramify.catalog.proto.RestoreBranch;
import io.ramify.catalog.proto.Restored;
import io.ramify.catalog.proto.TimelineRecord;
import java.util.List;

/**
 * Commands that change the tree of branches. They keep two invariants, which the tests check
 * after every command:
 *
 * <ol>
 *   <li>every live timeline is the timeline of exactly one branch, and a tombstoned one of none;
 *   <li>a branch's parent branch holds its timeline's parent timeline, and a branch without a
 *       parent holds the project's root timeline.
 * </ol>
 *
 * The second is why a reset is refused while the branch has children (their timelines fork from
 * the one the reset would discard) and why a restore moves the children to the backup branch.
 */
final class Branches {
    private Branches() {}

    static Reply create(CreateBranch c, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(c.getProject());
        String name = Check.branchName(c.getName(), "branch");
        requireAbsent(s, p, name);
        BranchRecord parent = s.existingBranch(p.getName(), c.getParent(), "parent branch");
        s.checkRoomForBranches(p.getName(), 1);
        TimelineRecord tl = Check.fork(s, p.getName(), c.getTimeline(), s.timeline(parent.getTimeline()));
        BranchRecord b = BranchRecord.newBuilder()
                .setProject(p.getName())
                .setName(name)
                .setTimeline(tl.getId())
                .setParent(parent.getName())
                .setCreatedAtMillis(s.now())
                .setExpiresAtMillis(Check.expiry(c.getExpiresAtMillis(), s.now(), name))
                .setIdleTimeoutSeconds(CatalogLimits.DEFAULT_IDLE_TIMEOUT_SECONDS)
                .build();
        s.putTimeline(tl);
        s.putBranch(b);
        return reply(s, b);
    }

    /** Points the branch at a new timeline forked from its parent's; the old one is tombstoned. */
    static Reply reset(ResetBranch c, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(c.getProject());
        BranchRecord b = s.existingBranch(p.getName(), c.getBranch(), "branch");
        if (b.getParent().isEmpty()) {
            throw new Rejected(
                    Code.IS_ROOT,
                    "branch " + b.getName() + " holds the root timeline of project " + p.getName()
                            + "; it has no parent to reset to");
        }
        if (b.getProtected()) {
            throw new Rejected(
                    Code.PROTECTED,
                    "branch " + b.getName() + " is protected and a reset discards its changes; "
                            + "unprotect it first");
        }
        requireNoChildren(s, b, "reset");
        BranchRecord parent = s.branch(p.getName(), b.getParent());
        TimelineRecord tl = Check.fork(s, p.getName(), c.getTimeline(), s.timeline(parent.getTimeline()));
        s.tombstone(b.getTimeline());
        s.putTimeline(tl);
        BranchRecord reset = b.toBuilder().setTimeline(tl.getId()).build();
        s.putBranch(reset);
        return reply(s, reset);
    }

    /**
     * Points the branch at a new timeline forked from its own old one (at an earlier LSN). A new
     * backup branch takes the old timeline and the branch's place in the tree: it gets the branch's
     * parent and children, and the branch becomes its child.
     */
    static Reply restore(RestoreBranch c, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(c.getProject());
        BranchRecord b = s.existingBranch(p.getName(), c.getBranch(), "branch");
        String backupName = Check.branchName(c.getBackupName(), "backup branch");
        requireAbsent(s, p, backupName);
        s.checkRoomForBranches(p.getName(), 1);
        TimelineRecord old = s.timeline(b.getTimeline());
        TimelineRecord tl = Check.fork(s, p.getName(), c.getTimeline(), old);
        BranchRecord backup = BranchRecord.newBuilder()
                .setProject(p.getName())
                .setName(backupName)
                .setTimeline(old.getId())
                .setParent(b.getParent())
                .setCreatedAtMillis(s.now())
                .setIdleTimeoutSeconds(CatalogLimits.DEFAULT_IDLE_TIMEOUT_SECONDS)
                .build();
        for (BranchRecord child : s.children(p.getName(), b.getName())) {
            s.putBranch(child.toBuilder().setParent(backupName).build());
        }
        BranchRecord restored =
                b.toBuilder().setTimeline(tl.getId()).setParent(backupName).build();
        s.putTimeline(tl);
        s.putBranch(backup);
        s.putBranch(restored);
        return Reply.newBuilder()
                .setRestored(Restored.newBuilder().setBranch(s.info(restored)).setBackup(s.info(backup)))
                .build();
    }

    static Reply rename(RenameBranch c, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(c.getProject());
        BranchRecord b = s.existingBranch(p.getName(), c.getBranch(), "branch");
        String to = Check.branchName(c.getNewName(), "new");
        if (to.equals(b.getName())) {
            throw new Rejected(Code.INVALID_ARGUMENT, "branch " + to + " already has that name");
        }
        requireAbsent(s, p, to);
        for (BranchRecord child : s.children(p.getName(), b.getName())) {
            s.putBranch(child.toBuilder().setParent(to).build());
        }
        s.deleteBranch(b);
        BranchRecord renamed = b.toBuilder().setName(to).build();
        s.putBranch(renamed);
        if (p.getDefaultBranch().equals(b.getName())) {
            s.putProject(p.toBuilder().setDefaultBranch(to).build());
        }
        return reply(s, renamed);
    }

    static Reply delete(DeleteBranch c, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(c.getProject());
        BranchRecord b = s.existingBranch(p.getName(), c.getBranch(), "branch");
        checkDeletable(s, p, b);
        return Reply.newBuilder().setBranch(deleteNow(s, b)).build();
    }

    /** Refuses (with the reason) deleting the default or root branch, a protected one, a parent. */
    static void checkDeletable(Store s, ProjectRecord p, BranchRecord b) throws Rejected {
        if (b.getName().equals(p.getDefaultBranch())) {
            throw new Rejected(
                    Code.IS_ROOT,
                    "branch " + b.getName() + " is the default branch of project " + p.getName()
                            + "; it goes only with the project");
        }
        if (b.getParent().isEmpty()) {
            throw new Rejected(
                    Code.IS_ROOT,
                    "branch " + b.getName() + " holds the root timeline of project " + p.getName()
                            + "; it goes only with the project");
        }
        if (b.getProtected()) {
            throw new Rejected(Code.PROTECTED, "branch " + b.getName() + " is protected; unprotect it first");
        }
        requireNoChildren(s, b, "deleted");
    }

    /** Deletes a branch that passed {@link #checkDeletable}, tombstoning its timeline. */
    static BranchInfo deleteNow(Store s, BranchRecord b) {
        TimelineRecord t = s.tombstone(b.getTimeline());
        s.deleteBranch(b);
        return BranchInfo.newBuilder().setBranch(b).setTimeline(t).build();
    }

    private static void requireAbsent(Store s, ProjectRecord p, String name) throws Rejected {
        if (s.branch(p.getName(), name) != null) {
            throw new Rejected(
                    Code.ALREADY_EXISTS,
                    "branch " + name + " already exists in project " + p.getName() + "; pick another name");
        }
    }

    private static void requireNoChildren(Store s, BranchRecord b, String verb) throws Rejected {
        List<String> children = s.children(b.getProject(), b.getName()).stream()
                .map(BranchRecord::getName)
                .toList();
        if (!children.isEmpty()) {
            throw new Rejected(
                    Code.HAS_CHILDREN,
                    "branch " + b.getName() + " has child branches " + children
                            + " that depend on its timeline, so it cannot be " + verb + "; delete them first");
        }
    }

    private static Reply reply(Store s, BranchRecord b) {
        return Reply.newBuilder().setBranch(s.info(b)).build();
    }
}
