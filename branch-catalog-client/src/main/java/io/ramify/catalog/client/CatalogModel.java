package io.ramify.catalog.client;

import com.google.protobuf.ByteString;
import io.ramify.catalog.proto.BranchInfo;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.EndpointState;
import io.ramify.catalog.proto.LeaseRecord;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.Rejection;
import io.ramify.catalog.proto.TimelineRecord;
import io.ramify.common.Generation;
import io.ramify.common.Lsn;
import io.ramify.common.Seq;
import io.ramify.common.TimelineId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The catalog's records as Java values, converted from its wire types. Times are the Raft leader's
 * clock when the command was applied.
 */
public final class CatalogModel {
    private CatalogModel() {}

    /** A tenant: one tree of branches rooted at its default branch. */
    public record Project(
            String name,
            int pgVersion,
            Instant createdAt,
            Duration historyWindow,
            String defaultBranch,
            Optional<Instant> deletedAt) {
        static Project of(ProjectRecord p) {
            return new Project(
                    p.getName(),
                    p.getPgVersion(),
                    Instant.ofEpochMilli(p.getCreatedAtMillis()),
                    Duration.ofMillis(p.getHistoryWindowMillis()),
                    p.getDefaultBranch(),
                    time(p.getDeletedAtMillis()));
        }
    }

    /**
     * An immutable line of history (docs/design.md §1). A root has no parent, fork LSN 0 and cut 0. A
     * deleted timeline is a tombstone: kept so retention and GC learn that it is gone.
     */
    public record Timeline(
            TimelineId id,
            String project,
            Optional<TimelineId> parent,
            Lsn forkLsn,
            Seq forkCut,
            int walGroup,
            Instant createdAt,
            Optional<Instant> deletedAt) {
        static Timeline of(TimelineRecord t) {
            return new Timeline(
                    timelineId(t.getId()),
                    t.getProject(),
                    t.getParent().isEmpty() ? Optional.empty() : Optional.of(timelineId(t.getParent())),
                    Lsn.of(t.getForkLsn()),
                    Seq.of(t.getForkCut()),
                    t.getWalGroup(),
                    Instant.ofEpochMilli(t.getCreatedAtMillis()),
                    time(t.getDeletedAtMillis()));
        }

        public boolean isDeleted() {
            return deletedAt.isPresent();
        }
    }

    /** Where a branch's compute listens and what state it is in; STOPPED with no address at first. */
    public record Endpoint(String host, int port, EndpointState state, String message, Optional<Instant> updatedAt) {
        static final Endpoint NONE = new Endpoint("", 0, EndpointState.STOPPED, "", Optional.empty());
    }

    /**
     * A named pointer at a timeline, with the timeline's record (parent timeline, fork LSN): enough to
     * draw the tree. The parent branch holds the timeline's parent timeline; a branch without one
     * holds the project's root timeline.
     */
    public record Branch(
            String project,
            String name,
            Timeline timeline,
            Optional<String> parent,
            Instant createdAt,
            boolean isProtected,
            Optional<Instant> expiresAt,
            Duration idleTimeout,
            Endpoint endpoint) {
        static Branch of(BranchInfo i) {
            BranchRecord b = i.getBranch();
            Endpoint e = !b.hasEndpoint()
                    ? Endpoint.NONE
                    : new Endpoint(
                            b.getEndpoint().getHost(),
                            b.getEndpoint().getPort(),
                            b.getEndpoint().getState(),
                            b.getEndpoint().getMessage(),
                            time(b.getEndpoint().getUpdatedAtMillis()));
            return new Branch(
                    b.getProject(),
                    b.getName(),
                    Timeline.of(i.getTimeline()),
                    b.getParent().isEmpty() ? Optional.empty() : Optional.of(b.getParent()),
                    Instant.ofEpochMilli(b.getCreatedAtMillis()),
                    b.getProtected(),
                    time(b.getExpiresAtMillis()),
                    Duration.ofSeconds(b.getIdleTimeoutSeconds()),
                    e);
        }
    }

    /**
     * A compute lease on a timeline. The generation is what the compute claims in ratis-wal; a
     * released lease keeps its generation and has no holder.
     */
    public record Lease(
            TimelineId timeline, Generation generation, Optional<String> holder, Optional<Instant> expiresAt) {
        static Lease of(LeaseRecord l) {
            return new Lease(
                    timelineId(l.getTimeline()),
                    Generation.of(l.getGeneration()),
                    l.getHolder().isEmpty() ? Optional.empty() : Optional.of(l.getHolder()),
                    time(l.getExpiresAtMillis()));
        }
    }

    /**
     * A new timeline as the control plane made it in ratis-wal; the catalog fills in its parent.
     * {@code forkLsn} and {@code forkCut} come from ratis-wal's createFork (docs/design.md rule 5).
     */
    public record TimelineSpec(TimelineId id, Lsn forkLsn, Seq forkCut, int walGroup) {
        io.ramify.catalog.proto.TimelineSpec toProto() {
            return io.ramify.catalog.proto.TimelineSpec.newBuilder()
                    .setId(ByteString.copyFrom(id.toBytes()))
                    .setForkLsn(forkLsn.value())
                    .setForkCut(forkCut.value())
                    .setWalGroup(walGroup)
                    .build();
        }
    }

    /** A new project and its default branch on the root timeline. */
    public record NewProject(Project project, Branch rootBranch) {}

    /** A restored branch (on its new timeline) and the backup branch that keeps its old timeline. */
    public record Restored(Branch branch, Branch backup) {}

    /** An expired branch that was not deleted, and why. */
    public record Skipped(String project, String branch, Rejection.Code code, String reason) {}

    /** What one ExpireBranches did; {@code more} says to call again. */
    public record Expired(List<Branch> deleted, List<Skipped> skipped, boolean more) {}

    static TimelineId timelineId(ByteString b) {
        return TimelineId.fromBytes(b.toByteArray());
    }

    static Optional<Instant> time(long millis) {
        return millis == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(millis));
    }
}
