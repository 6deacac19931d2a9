package io.ramify.catalog.core;

import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.ExpireBranches;
import io.ramify.catalog.proto.Expired;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.Skipped;
import io.ramify.kv.Kv;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Deleting branches whose expiry time has passed, by the leader's clock. Expired branches are
 * read from the expiry index, oldest expiry first, and deleted deepest first, so an expired parent
 * whose children all expired goes in the same command. A branch that cannot be deleted (protected,
 * has a child that stays, the default branch) is reported with the reason and stays.
 */
final class Expiry {
    private Expiry() {}

    private record Candidate(BranchRecord branch, int depth) {}

    static Reply expire(ExpireBranches c, Store s) {
        int max = c.getMax() == 0
                ? CatalogLimits.EXPIRED_PER_COMMAND_MAX
                : Math.min(c.getMax(), CatalogLimits.EXPIRED_PER_COMMAND_MAX);
        List<Kv.Entry> due =
                s.kv().scan(Keys.kindStart(Keys.EXPIRY), Keys.expiryEnd(s.now()), CatalogLimits.EXPIRY_SCAN_MAX + 1);
        boolean more = due.size() > CatalogLimits.EXPIRY_SCAN_MAX;
        List<Candidate> candidates = new ArrayList<>();
        for (Kv.Entry e : due.subList(0, Math.min(due.size(), CatalogLimits.EXPIRY_SCAN_MAX))) {
            String[] pb = Keys.expiryBranch(e.key());
            BranchRecord b = s.branch(pb[0], pb[1]);
            if (b == null) {
                throw new IllegalStateException(
                        "expiry index names branch " + pb[1] + " of " + pb[0] + ", which is gone");
            }
            candidates.add(new Candidate(b, depth(s, b)));
        }
        candidates.sort(Comparator.comparingInt(Candidate::depth)
                .reversed()
                .thenComparing(x -> x.branch().getProject())
                .thenComparing(x -> x.branch().getName()));
        Expired.Builder out = Expired.newBuilder();
        for (Candidate cand : candidates) {
            BranchRecord b = cand.branch();
            if (out.getDeletedCount() == max) {
                more = true;
                break;
            }
            ProjectRecord p = s.project(b.getProject());
            try {
                Branches.checkDeletable(s, p, b);
                out.addDeleted(Branches.deleteNow(s, b));
            } catch (Rejected r) {
                out.addSkipped(Skipped.newBuilder()
                        .setProject(b.getProject())
                        .setBranch(b.getName())
                        .setReason(r.toProto()));
            }
        }
        return Reply.newBuilder().setExpired(out.setMore(more)).build();
    }

    /** Ancestors of a branch up to its project's root; bounded by the branches in a project. */
    private static int depth(Store s, BranchRecord b) {
        int d = 0;
        for (BranchRecord x = b; !x.getParent().isEmpty(); x = s.branch(x.getProject(), x.getParent())) {
            if (++d > CatalogLimits.BRANCHES_PER_PROJECT_MAX) {
                throw new IllegalStateException(
                        "branch " + b.getName() + " of " + b.getProject() + " has a parent cycle");
            }
        }
        return d;
    }
}
