package io.ramify.adapter.fs;

import io.ramify.adapter.fs.FsError.Errno;
import io.ramify.wal.client.Ops;
import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;

/**
 * Changes to whole directory trees, planned as one atomic group of file ops. A directory rename,
 * which the page store's events cannot say (architecture.md, refinement 4),
 * spelled as the file ops they can: remove an empty directory being replaced, make the new
 * directory and each directory under it, rename each file, remove the old directories, deepest
 * first. The caller submits them as one atomic group (one log entry, one W), so that no crash and
 * no fork cut ever shows a half-moved directory: Postgres 15 renames directories only in
 * {@code pg_replslot} (a slot is made as {@code NAME.tmp} and renamed into place; it is dropped by
 * the reverse rename first), and it PANICs at startup on a slot directory without its
 * {@code state}. Removing trees is the other use: a branch's first start removes the replication
 * slots it inherited. Pure: it reads the tree it is given and changes nothing.
 */
final class TreeOps {
    /** Most ops one atomic group of tree changes takes (a directory rename moves fewer paths). */
    static final int ENTRIES_MAX = 1000;

    private TreeOps() {}

    /** One path that moves, with its node (which keeps its size and contents). */
    record Move(String from, String to, Node node) {}

    /**
     * The ops in order; the paths that go (a replaced empty target, removed trees) and the paths
     * that move (parents before children), for the caller to apply to its tree once the ops are in.
     */
    record Plan(List<Op> ops, List<String> removed, List<Move> moves) {}

    /**
     * Plans renaming directory {@code from} (which exists) to {@code to}, given the tree as it is
     * now. Refuses what POSIX refuses (a target that is a file or a non-empty directory, a directory
     * moved under itself) and what the adapter cannot store: a path that is not an ordinary stored
     * path before or after the move (scratch, WAL), or more than {@link #ENTRIES_MAX} paths.
     */
    static Plan rename(NavigableMap<String, Node> nodes, String from, String to, long w) throws FsError {
        if (to.startsWith(from + "/")) {
            throw new FsError(Errno.EINVAL, "cannot move directory " + from + " under itself (" + to + ")");
        }
        Node target = nodes.get(to);
        boolean replaces = false;
        if (target != null) {
            if (!target.dir) {
                throw new FsError(Errno.ENOTDIR, "cannot rename directory " + from + " over file " + to);
            }
            if (!under(nodes, to).isEmpty()) {
                throw new FsError(
                        Errno.ENOTEMPTY, "cannot rename directory " + from + " over non-empty directory " + to);
            }
            replaces = true;
        }
        Map<String, Node> inside = under(nodes, from);
        if (2 * (inside.size() + 1) > ENTRIES_MAX) {
            throw new FsError(
                    Errno.EXDEV,
                    "directory " + from + " holds " + inside.size() + " paths; a directory rename" + " moves at most "
                            + ENTRIES_MAX / 2 + " (TreeOps.ENTRIES_MAX / 2)");
        }
        List<Move> moves = new ArrayList<>();
        moves.add(new Move(from, to, nodes.get(from)));
        inside.forEach((p, n) -> moves.add(new Move(p, to + p.substring(from.length()), n)));
        for (Move m : moves) {
            if (m.node().kind != PathKind.REGULAR || PathKind.of(m.to()) != PathKind.REGULAR) {
                throw new FsError(
                        Errno.EXDEV,
                        "cannot rename directory " + from + " to " + to + ": " + m.from() + " (" + m.node().kind
                                + ") would become " + m.to() + " (" + PathKind.of(m.to())
                                + "); only stored paths move");
            }
        }
        List<Op> ops = new ArrayList<>();
        if (replaces) {
            ops.add(Ops.file(FileEvent.Kind.RMDIR, to, w));
        }
        for (Move m : moves) { // parents first: a directory exists before what goes into it
            ops.add(m.node().dir ? Ops.file(FileEvent.Kind.MKDIR, m.to(), w) : Ops.rename(m.from(), m.to(), w));
        }
        for (Move m : moves.reversed()) { // children first: a directory is empty when it goes
            if (m.node().dir) {
                ops.add(Ops.file(FileEvent.Kind.RMDIR, m.from(), w));
            }
        }
        return new Plan(List.copyOf(ops), replaces ? List.of(to) : List.of(), List.copyOf(moves));
    }

    /**
     * Plans removing directories {@code dirs} with everything under them: unlink each file and
     * remove each directory, deepest first. Only stored paths, at most {@link #ENTRIES_MAX}.
     */
    static Plan removal(NavigableMap<String, Node> nodes, List<String> dirs, long w) throws FsError {
        List<Op> ops = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        for (String d : dirs) {
            Node top = nodes.get(d);
            if (top == null || !top.dir) {
                throw new FsError(top == null ? Errno.ENOENT : Errno.ENOTDIR, d + " is not a directory");
            }
            List<String> paths = new ArrayList<>(under(nodes, d).descendingKeySet());
            paths.add(d);
            for (String p : paths) {
                Node n = nodes.get(p);
                if (n.kind != PathKind.REGULAR) {
                    throw new FsError(Errno.EXDEV, "cannot remove " + d + ": " + p + " is " + n.kind + ", not stored");
                }
                ops.add(Ops.file(n.dir ? FileEvent.Kind.RMDIR : FileEvent.Kind.UNLINK, p, w));
            }
            gone.addAll(paths);
        }
        if (ops.size() > ENTRIES_MAX) {
            throw new FsError(
                    Errno.EXDEV,
                    "removing " + dirs + " takes " + ops.size() + " ops; at most " + ENTRIES_MAX
                            + " go in one atomic group (TreeOps.ENTRIES_MAX)");
        }
        return new Plan(List.copyOf(ops), List.copyOf(gone), List.of());
    }

    /** Every path under directory {@code dir} (not {@code dir} itself), in path order. */
    static NavigableMap<String, Node> under(NavigableMap<String, Node> nodes, String dir) {
        // '/' + 1 is '0': the half-open range holds exactly the paths that start with dir + "/".
        return nodes.subMap(dir + "/", true, dir + "0", false);
    }
}
