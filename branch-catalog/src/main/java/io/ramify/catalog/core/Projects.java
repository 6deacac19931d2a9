package io.ramify.catalog.core;

import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.CreateProject;
import io.ramify.catalog.proto.DeleteProject;
import io.ramify.catalog.proto.ProjectCreated;
import io.ramify.catalog.proto.ProjectDeleted;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.TimelineRecord;
import java.util.ArrayList;
import java.util.List;

/** Creating and deleting projects. */
final class Projects {
    private Projects() {}

    /** A project with its root timeline and its default branch {@code main} on it. */
    static Reply create(CreateProject c, Store s) throws Rejected {
        String name = Check.projectName(c.getName());
        ProjectRecord existing = s.project(name);
        if (existing != null) {
            throw new Rejected(
                    Code.ALREADY_EXISTS,
                    existing.getDeletedAtMillis() == 0
                            ? "project " + name + " already exists; pick another name"
                            : "project " + name + " was deleted at " + Check.time(existing.getDeletedAtMillis())
                                    + "; project names are never reused: pick another name");
        }
        Store.Meta meta = s.meta();
        if (meta.projects() >= CatalogLimits.PROJECTS_MAX) {
            throw new Rejected(
                    Code.LIMIT_EXCEEDED,
                    "the catalog holds " + meta.projects() + " projects (deleted ones " + "included); the limit is "
                            + CatalogLimits.PROJECTS_MAX);
        }
        int pg = c.getPgVersion() == 0 ? CatalogLimits.PG_VERSION : c.getPgVersion();
        if (pg != CatalogLimits.PG_VERSION) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "PostgreSQL " + Integer.toUnsignedString(pg) + " is not supported; only " + CatalogLimits.PG_VERSION
                            + " is");
        }
        long window = c.getHistoryWindowMillis() == 0
                ? CatalogLimits.DEFAULT_HISTORY_WINDOW.toMillis()
                : c.getHistoryWindowMillis();
        if (window < CatalogLimits.MIN_HISTORY_WINDOW.toMillis()
                || window > CatalogLimits.HISTORY_WINDOW_MAX.toMillis()) {
            throw new Rejected(
                    Code.INVALID_ARGUMENT,
                    "history window of " + window + " ms is out of range " + CatalogLimits.MIN_HISTORY_WINDOW + ".."
                            + CatalogLimits.HISTORY_WINDOW_MAX);
        }
        Check.newTimelineId(s, c.getRootTimeline());
        Check.walGroup(c.getWalGroup());
        ProjectRecord p = ProjectRecord.newBuilder()
                .setName(name)
                .setPgVersion(pg)
                .setCreatedAtMillis(s.now())
                .setHistoryWindowMillis(window)
                .setDefaultBranch(CatalogLimits.DEFAULT_BRANCH)
                .build();
        TimelineRecord root = TimelineRecord.newBuilder()
                .setId(c.getRootTimeline())
                .setProject(name)
                .setWalGroup(c.getWalGroup())
                .setCreatedAtMillis(s.now())
                .build();
        BranchRecord main = BranchRecord.newBuilder()
                .setProject(name)
                .setName(CatalogLimits.DEFAULT_BRANCH)
                .setTimeline(root.getId())
                .setCreatedAtMillis(s.now())
                .setIdleTimeoutSeconds(0)
                .build();
        s.putProject(p);
        s.putTimeline(root);
        s.putBranch(main);
        s.putMeta(new Store.Meta(meta.projects() + 1, meta.nextRequestSeq(), meta.oldestRequestSeq()));
        return Reply.newBuilder()
                .setProjectCreated(ProjectCreated.newBuilder().setProject(p).setRootBranch(s.info(main)))
                .build();
    }

    /**
     * Deletes every branch of a project and tombstones their timelines; the project record stays,
     * marked deleted, so its name is not reused and retention can still list its timelines.
     * Refused while any branch is protected.
     */
    static Reply delete(DeleteProject c, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(c.getName());
        List<BranchRecord> all = new ArrayList<>(s.branches(p.getName()).values());
        List<String> protectedOnes = all.stream()
                .filter(BranchRecord::getProtected)
                .map(BranchRecord::getName)
                .toList();
        if (!protectedOnes.isEmpty()) {
            throw new Rejected(
                    Code.PROTECTED,
                    "project " + p.getName() + " has protected branches " + protectedOnes
                            + "; unprotect them before deleting the project");
        }
        ProjectDeleted.Builder out = ProjectDeleted.newBuilder();
        for (BranchRecord b : all) {
            out.addTombstoned(s.tombstone(b.getTimeline()));
            s.deleteBranch(b);
        }
        ProjectRecord deleted = p.toBuilder().setDeletedAtMillis(s.now()).build();
        s.putProject(deleted);
        return Reply.newBuilder().setProjectDeleted(out.setProject(deleted)).build();
    }
}
