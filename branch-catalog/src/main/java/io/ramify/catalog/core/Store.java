package io.ramify.catalog.core;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchInfo;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.LeaseRecord;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.TimelineRecord;
import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.kv.Writes;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Typed access to the catalog's records for one command (over {@link Writes}) or one query (over
 * a read-only {@link Kv}). Point reads see the command's own writes. A project's branches are
 * loaded once per command and kept current as the command changes them, so tree checks (children,
 * depth) see what the command has done so far. Secondary keys (the expiry index, a project's
 * timeline list) are maintained here and nowhere else.
 */
final class Store {
    private final Kv kv;
    private final Writes w;
    private final long now;
    /** Branches of each project touched by this command, by name; current with its writes. */
    private final Map<String, TreeMap<String, BranchRecord>> branches = new HashMap<>();

    private Store(Kv kv, Writes w, long now) {
        this.kv = kv;
        this.w = w;
        this.now = now;
    }

    static Store forCommand(Writes w, long leaderTimeMillis) {
        return new Store(w, w, leaderTimeMillis);
    }

    static Store forQuery(Kv kv) {
        return new Store(kv, null, 0);
    }

    /** The leader's clock for this command. */
    long now() {
        return now;
    }

    Kv kv() {
        return kv;
    }

    Writes writes() {
        if (w == null) {
            throw new IllegalStateException("a query cannot write");
        }
        return w;
    }

    // ---- projects ----

    ProjectRecord project(String name) {
        return read(Keys.project(name), ProjectRecord.parser());
    }

    /** The project, refused NOT_FOUND when it never existed or was deleted. */
    ProjectRecord liveProject(String name) throws Rejected {
        Check.projectName(name);
        ProjectRecord p = project(name);
        if (p == null) {
            throw new Rejected(Code.NOT_FOUND, "project " + name + " does not exist; create it first");
        }
        if (p.getDeletedAtMillis() != 0) {
            throw new Rejected(
                    Code.NOT_FOUND,
                    "project " + name + " was deleted at " + Instant.ofEpochMilli(p.getDeletedAtMillis()));
        }
        return p;
    }

    void putProject(ProjectRecord p) {
        writes().put(Keys.project(p.getName()), p.toByteArray());
    }

    // ---- branches ----

    /** Every live branch of a project, by name. The caller must not modify the map. */
    TreeMap<String, BranchRecord> branches(String project) {
        TreeMap<String, BranchRecord> m = branches.get(project);
        if (m == null) {
            m = new TreeMap<>();
            // One more than the limit, so a broken limit shows up as an oversized project, not a cut list.
            for (Kv.Entry e : kv.scan(
                    Keys.projectStart(Keys.BRANCH, project),
                    Keys.projectEnd(Keys.BRANCH, project),
                    CatalogLimits.BRANCHES_PER_PROJECT_MAX + 1)) {
                BranchRecord b = parse(e.value(), BranchRecord.parser());
                m.put(b.getName(), b);
            }
            branches.put(project, m);
        }
        return m;
    }

    BranchRecord branch(String project, String name) {
        return branches(project).get(name);
    }

    BranchRecord existingBranch(String project, String name, String what) throws Rejected {
        Check.branchName(name, what);
        BranchRecord b = branch(project, name);
        if (b == null) {
            throw new Rejected(Code.NOT_FOUND, what + " " + name + " does not exist in project " + project);
        }
        return b;
    }

    /** Live branches whose parent is {@code name}, by name. */
    List<BranchRecord> children(String project, String name) {
        List<BranchRecord> out = new ArrayList<>();
        for (BranchRecord b : branches(project).values()) {
            if (b.getParent().equals(name)) {
                out.add(b);
            }
        }
        return out;
    }

    /** Refuses a command that would leave the project with more than the branch limit. */
    void checkRoomForBranches(String project, int more) throws Rejected {
        int have = branches(project).size();
        if (have + more > CatalogLimits.BRANCHES_PER_PROJECT_MAX) {
            throw new Rejected(
                    Code.LIMIT_EXCEEDED,
                    "project " + project + " has " + have + " branches; the limit is "
                            + CatalogLimits.BRANCHES_PER_PROJECT_MAX + ": delete branches first");
        }
    }

    /** Writes a branch (new or changed) and keeps the expiry index in step. */
    void putBranch(BranchRecord b) {
        TreeMap<String, BranchRecord> m = branches(b.getProject());
        BranchRecord old = m.get(b.getName());
        if (old != null && old.getExpiresAtMillis() != 0) {
            writes().delete(Keys.expiry(old.getExpiresAtMillis(), old.getProject(), old.getName()));
        }
        if (b.getExpiresAtMillis() != 0) {
            writes().put(Keys.expiry(b.getExpiresAtMillis(), b.getProject(), b.getName()), new byte[0]);
        }
        writes().put(Keys.branch(b.getProject(), b.getName()), b.toByteArray());
        m.put(b.getName(), b);
    }

    void deleteBranch(BranchRecord b) {
        if (b.getExpiresAtMillis() != 0) {
            writes().delete(Keys.expiry(b.getExpiresAtMillis(), b.getProject(), b.getName()));
        }
        writes().delete(Keys.branch(b.getProject(), b.getName()));
        branches(b.getProject()).remove(b.getName());
    }

    BranchInfo info(BranchRecord b) {
        return BranchInfo.newBuilder()
                .setBranch(b)
                .setTimeline(timeline(b.getTimeline()))
                .build();
    }

    // ---- timelines ----

    TimelineRecord timeline(TimelineId id) {
        return read(Keys.timeline(id), TimelineRecord.parser());
    }

    /** The timeline a stored record names: its absence is a broken invariant, not bad input. */
    TimelineRecord timeline(ByteString id) {
        TimelineRecord t = timeline(TimelineId.fromBytes(id.toByteArray()));
        if (t == null) {
            throw new IllegalStateException("timeline " + TimelineId.fromBytes(id.toByteArray())
                    + " is named by the catalog but has no record");
        }
        return t;
    }

    void putTimeline(TimelineRecord t) {
        TimelineId id = TimelineId.fromBytes(t.getId().toByteArray());
        writes().put(Keys.timeline(id), t.toByteArray());
        writes().put(Keys.projectTimeline(t.getProject(), id), new byte[0]);
    }

    /** Marks a timeline deleted (kept so retention and GC learn that it is gone). */
    TimelineRecord tombstone(ByteString id) {
        TimelineRecord t = timeline(id).toBuilder().setDeletedAtMillis(now).build();
        putTimeline(t);
        return t;
    }

    // ---- leases ----

    /** The lease record of a timeline; generation 0 when it was never leased. */
    LeaseRecord lease(TimelineId id) {
        LeaseRecord l = read(Keys.lease(id), LeaseRecord.parser());
        return l != null
                ? l
                : LeaseRecord.newBuilder()
                        .setTimeline(ByteString.copyFrom(id.toBytes()))
                        .build();
    }

    void putLease(LeaseRecord l) {
        writes().put(Keys.lease(TimelineId.fromBytes(l.getTimeline().toByteArray())), l.toByteArray());
    }

    // ---- counters ----

    /** Projects ever created, next request seq, oldest retained request seq. */
    record Meta(long projects, long nextRequestSeq, long oldestRequestSeq) {
        static final Meta EMPTY = new Meta(0, 1, 1);
    }

    Meta meta() {
        byte[] b = kv.get(Keys.meta());
        if (b == null) {
            return Meta.EMPTY;
        }
        ByteBuffer bb = ByteBuffer.wrap(b);
        return new Meta(bb.getLong(), bb.getLong(), bb.getLong());
    }

    void putMeta(Meta m) {
        writes().put(
                        Keys.meta(),
                        ByteBuffer.allocate(24)
                                .putLong(m.projects())
                                .putLong(m.nextRequestSeq())
                                .putLong(m.oldestRequestSeq())
                                .array());
    }

    // ---- parsing ----

    private <T extends Message> T read(byte[] key, Parser<T> parser) {
        byte[] b = kv.get(key);
        return b == null ? null : parse(b, parser);
    }

    /** Stored by this replica itself, so a parse failure is local corruption, not bad input. */
    static <T extends Message> T parse(byte[] b, Parser<T> parser) {
        try {
            return parser.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored catalog record does not parse: local state is corrupt", e);
        }
    }
}
