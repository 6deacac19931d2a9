package io.ramify.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ramify.pagestore.proto.FileDiff;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Folding the page stores' per-file differences into named relations (the pure part of the storage diff). */
class StorageDiffTest {
    static FileDiff f(String path, long sizeA, long sizeB, long changed) {
        return FileDiff.newBuilder()
                .setPath(path)
                .setExistsA(sizeA >= 0)
                .setExistsB(sizeB >= 0)
                .setSizeA(Math.max(0, sizeA))
                .setSizeB(Math.max(0, sizeB))
                .setChangedBlocks(changed)
                .build();
    }

    @Test
    void segmentsAreSummedForksKeptApartAndNamesComeFromEitherSide() {
        StorageDiff.Names mine = StorageDiff.Names.parse("""
        base/5/16384|pgbench_accounts|user
        base/5/1259|pg_class|system
        base/5/16400|"odd|name"|user
        base/5|postgres|database
        base/1|template1|database
        """);
        StorageDiff.Names theirs = StorageDiff.Names.parse("base/5/16390|main_only|user\n");
        List<Views.RelationChange> got = StorageDiff.relations(
                List.of(
                        f("base/5/16384", 1L << 30, 1L << 30, 3),
                        f("base/5/16384.1", 8192 * 10, 8192 * 12, 4),
                        f("base/5/16384_fsm", 3 * 8192, 3 * 8192, 1),
                        f("base/5/1259", 8192, 8192, 1),
                        f("base/5/16390", -1, 8192, 1),
                        f("base/5/16400", 8192, 8192, 2),
                        f("base/1/2619", 8192, 8192, 1),
                        f("base/5/pg_internal.init", 100, 200, 1),
                        f("global/pg_control", 8192, 8192, 1),
                        f("base/5/99999", 8192, -1, 1)),
                mine,
                theirs);
        assertEquals(
                List.of(
                        new Views.RelationChange(
                                "pgbench_accounts",
                                "base/5/16384",
                                "main",
                                false,
                                7,
                                131072 + 10,
                                131072 + 12,
                                true,
                                true),
                        new Views.RelationChange("\"odd|name\"", "base/5/16400", "main", false, 2, 1, 1, true, true),
                        new Views.RelationChange("template1:2619", "base/1/2619", "main", true, 1, 1, 1, true, true),
                        new Views.RelationChange("pg_class", "base/5/1259", "main", true, 1, 1, 1, true, true),
                        new Views.RelationChange("pgbench_accounts", "base/5/16384", "fsm", false, 1, 3, 3, true, true),
                        new Views.RelationChange("main_only", "base/5/16390", "main", false, 1, 0, 1, false, true),
                        new Views.RelationChange(null, "base/5/99999", "main", false, 1, 1, 0, true, false)),
                got);
    }
}
