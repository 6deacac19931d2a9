package io.ramify.catalog.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ramify.catalog.proto.BranchInfo;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.Command;
import io.ramify.catalog.proto.CreateBranch;
import io.ramify.catalog.proto.CreateProject;
import io.ramify.catalog.proto.GetBranch;
import io.ramify.catalog.proto.ListBranches;
import io.ramify.catalog.proto.ListTimelines;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.Rejection;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.TimelineRecord;
import io.ramify.catalog.proto.TimelineSpec;
import io.ramify.catalog.proto.WriteRequest;
import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import io.ramify.kv.MemKv;
import io.ramify.kv.Writes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Drives the pure core over an in-memory store the way the Ratis shell does: one {@link Writes}
 * per command, committed only when the reply is not a refusal. Every refusal is checked to leave
 * the store byte for byte as it was, and every accepted command to keep the tree invariants.
 */
public class CoreHarness {
    final MemKv kv = new MemKv();
    final CatalogState core;
    /** The leader's clock as the next command will carry it. */
    long now = 1_767_225_600_000L; // 2026-01-01T00:00:00Z
    /** Whether every command is checked (refusals change nothing, invariants hold); off for bulk setup. */
    boolean checking = true;

    private final Random ids = new Random(1);
    private int requestCounter;

    CoreHarness() {
        this(RequestLog.Limits.DEFAULT);
    }

    CoreHarness(RequestLog.Limits limits) {
        this.core = new CatalogState(limits);
    }

    String nextRequestId() {
        return "req-" + (++requestCounter);
    }

    /** A deterministic timeline id (tests replay exactly). */
    TimelineId newTimelineId() {
        byte[] b = new byte[16];
        ids.nextBytes(b);
        return TimelineId.fromBytes(b);
    }

    Reply run(String requestId, Command.Builder c) {
        Writes w = new Writes(kv);
        Map<String, String> before = checking ? dump() : null;
        Reply r = core.apply(
                WriteRequest.newBuilder()
                        .setLeaderTimeMillis(now)
                        .setRequestId(requestId)
                        .setCommand(c)
                        .build(),
                w);
        if (r.hasRejected()) {
            if (checking) {
                assertEquals(before, dump(), "a refused command changes nothing");
            }
        } else {
            kv.commit(w);
            if (checking) {
                Invariants.check(kv);
            }
        }
        return r;
    }

    Reply run(Command.Builder c) {
        return run(nextRequestId(), c);
    }

    /** Runs a command that must be accepted. */
    Reply ok(Command.Builder c) {
        Reply r = run(c);
        assertFalse(r.hasRejected(), () -> "refused: " + r.getRejected());
        return r;
    }

    /** Runs a command that must be refused with {@code code}; returns the message. */
    String refused(Rejection.Code code, Command.Builder c) {
        Reply r = run(c);
        assertTrue(r.hasRejected(), () -> "expected " + code + " but was accepted: " + r);
        assertEquals(code, r.getRejected().getCode(), r.getRejected().getMessage());
        return r.getRejected().getMessage();
    }

    Reply query(QueryRequest.Builder q) {
        return CatalogQueries.answer(q.build(), kv);
    }

    // ---- shorthands ----

    static ByteString bytes(TimelineId id) {
        return ByteString.copyFrom(id.toBytes());
    }

    static TimelineSpec spec(TimelineId id, long forkLsn, long forkCut, int walGroup) {
        return TimelineSpec.newBuilder()
                .setId(bytes(id))
                .setForkLsn(forkLsn)
                .setForkCut(forkCut)
                .setWalGroup(walGroup)
                .build();
    }

    TimelineSpec spec(long forkLsn) {
        return spec(newTimelineId(), forkLsn, forkLsn / 100, 0);
    }

    static Command.Builder createProject(String name, TimelineId root) {
        return Command.newBuilder()
                .setCreateProject(CreateProject.newBuilder()
                        .setName(name)
                        .setRootTimeline(bytes(root))
                        .setWalGroup(0));
    }

    static Command.Builder createBranch(String project, String name, String parent, TimelineSpec tl) {
        return Command.newBuilder()
                .setCreateBranch(CreateBranch.newBuilder()
                        .setProject(project)
                        .setName(name)
                        .setParent(parent)
                        .setTimeline(tl));
    }

    /** Creates a project and returns its root timeline id. */
    TimelineId project(String name) {
        TimelineId root = newTimelineId();
        ok(createProject(name, root));
        return root;
    }

    BranchInfo branch(String project, String name, String parent, long forkLsn) {
        return ok(createBranch(project, name, parent, spec(forkLsn))).getBranch();
    }

    BranchInfo get(String project, String name) {
        Reply r = query(QueryRequest.newBuilder()
                .setGetBranch(GetBranch.newBuilder().setProject(project).setName(name)));
        assertFalse(r.hasRejected(), () -> r.getRejected().getMessage());
        return r.getBranch();
    }

    boolean exists(String project, String name) {
        return !query(QueryRequest.newBuilder()
                        .setGetBranch(GetBranch.newBuilder().setProject(project).setName(name)))
                .hasRejected();
    }

    TimelineRecord timeline(ByteString id) {
        return Store.forQuery(kv).timeline(id);
    }

    /** Every key and value, hex, in key order: equal dumps mean equal stores. */
    Map<String, String> dump() {
        return dump(kv);
    }

    public static Map<String, String> dump(Kv kv) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Kv.Entry e : kv.scan(new byte[0], new byte[] {(byte) 0xFF}, Integer.MAX_VALUE)) {
            out.put(HexFormat.of().formatHex(e.key()), HexFormat.of().formatHex(e.value()));
        }
        return out;
    }

    /** The tree invariants of {@link Branches}, and the secondary indexes, over the whole store. */
    static final class Invariants {
        private Invariants() {}

        static void check(Kv kv) {
            Store s = Store.forQuery(kv);
            int expiring = 0;
            List<ProjectRecord> projects = new ArrayList<>();
            for (Kv.Entry e : kv.scan(Keys.kindStart(Keys.PROJECT), Keys.kindEnd(Keys.PROJECT), 100_000)) {
                projects.add(Store.parse(e.value(), ProjectRecord.parser()));
            }
            for (ProjectRecord p : projects) {
                if (p.getDeletedAtMillis() != 0) {
                    assertTrue(
                            s.branches(p.getName()).isEmpty(), "deleted project " + p.getName() + " has no branches");
                    for (Kv.Entry e : kv.scan(
                            Keys.projectStart(Keys.PROJECT_TIMELINE, p.getName()),
                            Keys.projectEnd(Keys.PROJECT_TIMELINE, p.getName()),
                            100_000)) {
                        assertTrue(
                                s.timeline(Keys.projectTimelineId(e.key())).getDeletedAtMillis() != 0,
                                "every timeline of deleted project " + p.getName() + " is tombstoned");
                    }
                    continue;
                }
                Map<ByteString, String> holder = new HashMap<>();
                List<BranchInfo> branches = CatalogQueries.answer(
                                QueryRequest.newBuilder()
                                        .setListBranches(
                                                ListBranches.newBuilder().setProject(p.getName()))
                                        .build(),
                                kv)
                        .getBranches()
                        .getBranchesList();
                assertTrue(
                        branches.stream().anyMatch(b -> b.getBranch().getName().equals(p.getDefaultBranch())),
                        "project " + p.getName() + " has its default branch " + p.getDefaultBranch());
                for (BranchInfo bi : branches) {
                    BranchRecord b = bi.getBranch();
                    TimelineRecord t = bi.getTimeline();
                    assertEquals(0, t.getDeletedAtMillis(), "branch " + b.getName() + " is on a live timeline");
                    assertEquals(p.getName(), t.getProject());
                    assertEquals(null, holder.put(t.getId(), b.getName()), "timeline held by two branches");
                    if (b.getParent().isEmpty()) {
                        assertTrue(
                                t.getParent().isEmpty(),
                                "a branch without parent holds a root timeline: " + b.getName());
                    } else {
                        BranchRecord parent = s.branch(p.getName(), b.getParent());
                        assertTrue(parent != null, "parent " + b.getParent() + " of " + b.getName() + " exists");
                        assertEquals(
                                parent.getTimeline(),
                                t.getParent(),
                                "the parent branch of " + b.getName() + " holds its timeline's parent timeline");
                    }
                    if (b.getExpiresAtMillis() != 0) {
                        expiring++;
                        assertTrue(
                                kv.get(Keys.expiry(b.getExpiresAtMillis(), p.getName(), b.getName())) != null,
                                "expiry index has " + b.getName());
                    }
                }
                for (TimelineRecord t : CatalogQueries.answer(
                                QueryRequest.newBuilder()
                                        .setListTimelines(ListTimelines.newBuilder()
                                                .setProject(p.getName())
                                                .setMax(1000))
                                        .build(),
                                kv)
                        .getTimelines()
                        .getTimelinesList()) {
                    assertEquals(
                            t.getDeletedAtMillis() == 0,
                            holder.containsKey(t.getId()),
                            "timeline " + TimelineId.fromBytes(t.getId().toByteArray())
                                    + " is live iff a branch holds it");
                }
            }
            assertEquals(
                    expiring,
                    kv.scan(Keys.kindStart(Keys.EXPIRY), Keys.kindEnd(Keys.EXPIRY), 100_000)
                            .size(),
                    "expiry index has one entry per expiring branch");
        }
    }
}
