package io.ramify.adapter.compute;

import io.ramify.adapter.fs.DataDir;
import io.ramify.adapter.fs.FsError;
import io.ramify.common.TimelineId;
import io.ramify.wal.proto.TimelineStatus;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A branch starts without its parent's replication slots. A branch is a copy of its parent at a
 * point in its WAL, like a base backup restored by PITR, and {@code pg_basebackup} leaves
 * {@code pg_replslot} empty for the same reasons: a consumer of the parent's slot follows the
 * parent, so on the branch the slot would only hold back {@code pg_wal} and catalog rows
 * ({@code catalog_xmin} of a logical slot) for nobody, or, if a consumer were pointed at the branch,
 * hand out changes it had already received from the parent (consumed twice).
 *
 * <p>So the first start of a branch (its timeline has a parent and no ops of its own yet) removes
 * every directory under {@code pg_replslot} before Postgres runs, as ops of the branch's own
 * timeline in one atomic group; the parent keeps its slots. A start that dies before those ops
 * are durable leaves the timeline without ops, and the next start does it again. Slots made on
 * the branch afterwards are the branch's and persist.
 */
final class InheritedSlots {
    private static final Logger LOG = LoggerFactory.getLogger(InheritedSlots.class);
    static final String DIR = "pg_replslot";

    private InheritedSlots() {}

    /** Removes the inherited slots when this is the branch's first start; returns their names. */
    static List<String> removeAtFirstStart(DataDir dir, TimelineId timeline, TimelineStatus claimed)
            throws IOException {
        if (claimed.getParent().isEmpty() || claimed.getLastSeq() != 0 || dir.stat(DIR) == null) {
            return List.of();
        }
        try {
            List<String> names = new ArrayList<>();
            List<String> paths = new ArrayList<>();
            for (String name : dir.list(DIR)) {
                if (dir.stat(DIR + "/" + name).directory()) {
                    names.add(name);
                    paths.add(DIR + "/" + name);
                }
            }
            dir.removeTrees(paths);
            dir.sync();
            if (!names.isEmpty()) {
                LOG.info(
                        "branch timeline {} starts for the first time: removed the replication slots {} it inherited "
                                + "from its parent (the parent keeps them)",
                        timeline.shortForm(),
                        names);
            }
            return names;
        } catch (FsError e) {
            throw new IOException(
                    "cannot remove the replication slots timeline " + timeline.shortForm() + " inherited: "
                            + e.getMessage(),
                    e);
        }
    }
}
