package io.ramify.catalog.core;

import com.google.protobuf.ByteString;
import io.ramify.catalog.client.CatalogLimits;
import io.ramify.catalog.proto.BranchList;
import io.ramify.catalog.proto.BranchRecord;
import io.ramify.catalog.proto.ListProjects;
import io.ramify.catalog.proto.ListTimelines;
import io.ramify.catalog.proto.ProjectList;
import io.ramify.catalog.proto.ProjectRecord;
import io.ramify.catalog.proto.QueryRequest;
import io.ramify.catalog.proto.Rejection.Code;
import io.ramify.catalog.proto.Reply;
import io.ramify.catalog.proto.TimelineList;
import io.ramify.catalog.proto.TimelineRecord;
import io.ramify.common.TimelineId;
import io.ramify.kv.Kv;
import java.util.Arrays;
import java.util.List;

/** Read-only questions, answered from one consistent snapshot of the catalog. */
public final class CatalogQueries {
    private CatalogQueries() {}

    public static Reply answer(QueryRequest q, Kv kv) {
        Store s = Store.forQuery(kv);
        try {
            return switch (q.getKindCase()) {
                case GET_PROJECT ->
                    Reply.newBuilder()
                            .setProject(s.liveProject(q.getGetProject().getName()))
                            .build();
                case LIST_PROJECTS -> listProjects(q.getListProjects(), s);
                case GET_BRANCH ->
                    Reply.newBuilder()
                            .setBranch(s.info(s.existingBranch(
                                    s.liveProject(q.getGetBranch().getProject()).getName(),
                                    q.getGetBranch().getName(),
                                    "branch")))
                            .build();
                case LIST_BRANCHES -> listBranches(q.getListBranches().getProject(), s);
                case GET_TIMELINE ->
                    Reply.newBuilder()
                            .setTimeline(timeline(q.getGetTimeline().getId(), s))
                            .build();
                case LIST_TIMELINES -> listTimelines(q.getListTimelines(), s);
                case GET_LEASE ->
                    Reply.newBuilder()
                            .setLease(s.lease(TimelineId.fromBytes(
                                    timeline(q.getGetLease().getTimeline(), s)
                                            .getId()
                                            .toByteArray())))
                            .build();
                case KIND_NOT_SET -> throw new Rejected(Code.MALFORMED, "query names no operation");
            };
        } catch (Rejected r) {
            return r.toReply();
        }
    }

    private static Reply listProjects(ListProjects q, Store s) throws Rejected {
        int max = limit(q.getMax());
        byte[] from = q.getAfter().isEmpty() ? Keys.kindStart(Keys.PROJECT) : successor(Keys.project(q.getAfter()));
        List<Kv.Entry> entries = s.kv().scan(from, Keys.kindEnd(Keys.PROJECT), max + 1);
        ProjectList.Builder out = ProjectList.newBuilder().setMore(entries.size() > max);
        for (Kv.Entry e : entries.subList(0, Math.min(max, entries.size()))) {
            ProjectRecord p = Store.parse(e.value(), ProjectRecord.parser());
            if (p.getDeletedAtMillis() == 0) {
                out.addProjects(p);
            }
            out.setNextAfter(p.getName());
        }
        return Reply.newBuilder().setProjects(out).build();
    }

    /** Every live branch of a project (bounded by the per-project limit), by name. */
    private static Reply listBranches(String project, Store s) throws Rejected {
        ProjectRecord p = s.liveProject(project);
        BranchList.Builder out = BranchList.newBuilder();
        for (BranchRecord b : s.branches(p.getName()).values()) {
            out.addBranches(s.info(b));
        }
        return Reply.newBuilder().setBranches(out).build();
    }

    /** Timelines of a project, tombstones included, by id; also for a deleted project. */
    private static Reply listTimelines(ListTimelines q, Store s) throws Rejected {
        String project = Check.projectName(q.getProject());
        if (s.project(project) == null) {
            throw new Rejected(Code.NOT_FOUND, "project " + project + " does not exist");
        }
        int max = limit(q.getMax());
        byte[] from = q.getAfter().isEmpty()
                ? Keys.projectStart(Keys.PROJECT_TIMELINE, project)
                : successor(Keys.projectTimeline(project, Check.timelineId(q.getAfter(), "list position")));
        List<Kv.Entry> entries = s.kv().scan(from, Keys.projectEnd(Keys.PROJECT_TIMELINE, project), max + 1);
        TimelineList.Builder out = TimelineList.newBuilder().setMore(entries.size() > max);
        for (Kv.Entry e : entries.subList(0, Math.min(max, entries.size()))) {
            out.addTimelines(s.timeline(
                    ByteString.copyFrom(Keys.projectTimelineId(e.key()).toBytes())));
        }
        return Reply.newBuilder().setTimelines(out).build();
    }

    private static TimelineRecord timeline(ByteString id, Store s) throws Rejected {
        TimelineId tl = Check.timelineId(id, "timeline id");
        TimelineRecord t = s.timeline(tl);
        if (t == null) {
            throw new Rejected(Code.NOT_FOUND, "timeline " + tl + " is not in the catalog");
        }
        return t;
    }

    private static int limit(int asked) {
        return asked <= 0 ? CatalogLimits.LISTED_MAX : Math.min(asked, CatalogLimits.LISTED_MAX);
    }

    /** The smallest key after {@code key}: a listing resumes there. */
    private static byte[] successor(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }
}
