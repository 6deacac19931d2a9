package io.ramify.control;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The API's JSON shapes (also what {@code ramify ... --output json} prints). Times are ISO-8601 UTC. */
public final class Views {
    private Views() {}

    public record Project(
            String name, int pgVersion, String createdAt, long historyWindowSeconds, String defaultBranch) {}

    public record Compute(String state, String host, Integer port, String message, String updatedAt) {}

    /**
     * One branch. {@code forkLsn} and {@code parentTimeline} are absent for the root branch;
     * sizes are absent when the page stores did not answer, and in answers to changes.
     * {@code sizesAt} is when the sizes were measured: a listing reuses sizes up to a few seconds old.
     */
    public record Branch(
            String project,
            String name,
            String parent,
            String timeline,
            String parentTimeline,
            String forkLsn,
            String createdAt,
            @JsonProperty("protected") boolean isProtected,
            String expiresAt,
            long idleTimeoutSeconds,
            Compute compute,
            Long logicalBytes,
            Long ownedBytes,
            String headLsn,
            String sizesAt) {}

    public record ProjectCreated(Project project, Branch mainBranch) {}

    public record Restored(Branch branch, Branch backup) {}

    /**
     * How to connect: {@code uri} goes through the proxy (which wakes a suspended compute) when one
     * runs, else straight to the compute; {@code directUri} is the compute's own address while it runs.
     */
    public record Connection(
            String uri, String directUri, String host, int port, String user, String database, String state) {}

    public record DeleteResult(String deleted, String timeline) {}

    /**
     * Schema diff ({@code -} lines only in {@code against}, {@code +} only in {@code branch}) and the
     * relations whose stored blocks differ, compared after a CHECKPOINT on both computes.
     */
    public record Diff(
            String branch,
            String against,
            boolean schemaEqual,
            List<String> schemaDiff,
            List<RelationChange> relations) {}

    /**
     * One fork of a relation whose 8 KiB blocks differ between the two branches: in their bytes, or
     * because they exist on one side only. {@code relation} is null for a file neither compute names;
     * {@code system} marks catalogs (created by initdb) and other databases' files, which differ
     * through hint bits, statistics and recovery rather than user changes.
     */
    public record RelationChange(
            String relation,
            String file,
            String fork,
            boolean system,
            long changedBlocks,
            long blocksInBranch,
            long blocksInOther,
            boolean inBranch,
            boolean inOther) {}

    // ---- request bodies ----

    public record CreateProject(String name, Long historyWindowSeconds) {}

    /** At most one of {@code lsn} and {@code time}; neither means the parent's head. */
    public record CreateBranch(String name, String parent, String lsn, String time, String expiresAt) {}

    /** Exactly one of {@code lsn} and {@code time}. */
    public record Restore(String lsn, String time) {}

    /** Fields to change; absent ones stay. {@code expiresAt} empty string clears. */
    public record UpdateBranch(
            String name, @JsonProperty("protected") Boolean isProtected, String expiresAt, Long idleTimeoutSeconds) {}
}
