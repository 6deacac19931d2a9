package io.ramify.adapter.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ramify.wal.proto.FileEvent;
import io.ramify.wal.proto.Op;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The file ops a directory rename or a tree removal becomes, in an order every step of which is a valid tree. */
class TreeOpsTest {
    private final TreeMap<String, Node> nodes = new TreeMap<>();

    private void dir(String p) {
        nodes.put(p, new Node(true, PathKind.of(p), 0, 0));
    }

    private void file(String p, long size) {
        nodes.put(p, new Node(false, PathKind.of(p), size, 0));
    }

    private static String show(Op op) {
        FileEvent e = op.getFile();
        return e.getKind() + " " + e.getPath() + (e.getKind() == FileEvent.Kind.RENAME ? " -> " + e.getTarget() : "");
    }

    @Test
    void aSlotDirectoryMovesParentsFirstAndLeavesChildrenFirst() throws Exception {
        dir("pg_replslot");
        dir("pg_replslot/s.tmp");
        file("pg_replslot/s.tmp/state", 200);
        dir("pg_replslot/s.tmp/sub");
        file("pg_replslot/s.tmp/sub/x.spill", 8192);
        dir("pg_replslot/s.tmp-other"); // sorts between s.tmp and s.tmp/…: must not move
        TreeOps.Plan p = TreeOps.rename(nodes, "pg_replslot/s.tmp", "pg_replslot/s", 77);
        assertEquals(
                List.of(
                        "MKDIR pg_replslot/s",
                        "RENAME pg_replslot/s.tmp/state -> pg_replslot/s/state",
                        "MKDIR pg_replslot/s/sub",
                        "RENAME pg_replslot/s.tmp/sub/x.spill -> pg_replslot/s/sub/x.spill",
                        "RMDIR pg_replslot/s.tmp/sub",
                        "RMDIR pg_replslot/s.tmp"),
                p.ops().stream().map(TreeOpsTest::show).toList());
        assertTrue(p.ops().stream().allMatch(op -> op.getWalEnd() == 77), "one W for the whole group");
        assertEquals(4, p.moves().size());
        assertEquals(List.of(), p.removed());
    }

    @Test
    void anEmptyTargetDirectoryIsReplacedAndOthersAreRefusedAsPosixDoes() throws Exception {
        dir("pg_replslot");
        dir("pg_replslot/a");
        file("pg_replslot/a/state", 200);
        dir("pg_replslot/empty");
        dir("pg_replslot/full");
        file("pg_replslot/full/state", 200);
        TreeOps.Plan p = TreeOps.rename(nodes, "pg_replslot/a", "pg_replslot/empty", 1);
        assertEquals("RMDIR pg_replslot/empty", show(p.ops().getFirst()));
        assertEquals(List.of("pg_replslot/empty"), p.removed());
        assertEquals(
                FsError.Errno.ENOTEMPTY,
                assertThrows(FsError.class, () -> TreeOps.rename(nodes, "pg_replslot/a", "pg_replslot/full", 1)).errno);
        assertEquals(
                FsError.Errno.ENOTDIR,
                assertThrows(FsError.class, () -> TreeOps.rename(nodes, "pg_replslot/a", "pg_replslot/full/state", 1))
                        .errno);
        assertEquals(
                FsError.Errno.EINVAL,
                assertThrows(FsError.class, () -> TreeOps.rename(nodes, "pg_replslot/a", "pg_replslot/a/b", 1)).errno);
    }

    @Test
    void onlyStoredPathsMoveAndTheGroupIsBounded() throws Exception {
        dir("pg_stat_tmp");
        dir("pg_stat_tmp/d");
        assertEquals(
                FsError.Errno.EXDEV,
                assertThrows(FsError.class, () -> TreeOps.rename(nodes, "pg_stat_tmp/d", "pg_stat_tmp/e", 1)).errno);
        dir("big");
        for (int i = 0; i < TreeOps.ENTRIES_MAX / 2; i++) {
            file("big/f" + i, 1);
        }
        FsError e = assertThrows(FsError.class, () -> TreeOps.rename(nodes, "big", "big2", 1));
        assertEquals(FsError.Errno.EXDEV, e.errno);
        assertTrue(e.getMessage().contains("ENTRIES_MAX"), e.getMessage());
    }

    @Test
    void removalUnlinksFilesAndRemovesDirectoriesDeepestFirst() throws Exception {
        dir("pg_replslot");
        dir("pg_replslot/a");
        file("pg_replslot/a/state", 200);
        dir("pg_replslot/b");
        file("pg_replslot/b/state", 200);
        file("pg_replslot/b/xid-1-lsn-0-1000000.spill", 100);
        TreeOps.Plan p = TreeOps.removal(nodes, List.of("pg_replslot/a", "pg_replslot/b"), 5);
        assertEquals(
                List.of(
                        "UNLINK pg_replslot/a/state",
                        "RMDIR pg_replslot/a",
                        "UNLINK pg_replslot/b/xid-1-lsn-0-1000000.spill",
                        "UNLINK pg_replslot/b/state",
                        "RMDIR pg_replslot/b"),
                p.ops().stream().map(TreeOpsTest::show).toList());
        assertEquals(5, p.removed().size());
    }
}
