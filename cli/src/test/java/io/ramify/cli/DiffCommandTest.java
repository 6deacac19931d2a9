package io.ramify.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ramify.control.Views;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code ramify diff} prints a diff for people. */
class DiffCommandTest {
    static final Views.Diff DIFF = new Views.Diff(
            "dev",
            "main",
            false,
            List.of("--- main", "+++ dev", "+CREATE TABLE public.dev_only ("),
            List.of(
                    new Views.RelationChange(
                            "pgbench_accounts", "base/5/16396", "main", false, 12, 1640, 1640, true, true),
                    new Views.RelationChange("dev_only", "base/5/24576", "main", false, 5, 5, 0, true, false),
                    new Views.RelationChange("pg_class", "base/5/1259", "main", true, 3, 14, 14, true, true),
                    new Views.RelationChange(null, "base/5/99999", "main", false, 1, 0, 1, false, true)));

    @Test
    void userRelationsAreListedAndSystemOnesSummed() {
        assertEquals("""
        schema (- main, + dev):
        --- main
        +++ dev
        +CREATE TABLE public.dev_only (

        storage (8 KiB blocks that differ; dev / main = the relation's size in blocks on each side):
          RELATION          FORK     CHANGED  dev / main
          pgbench_accounts  main          12  1640 / 1640
          dev_only          main           5  5 / -
          (base/5/99999)    main           1  - / 1
          + 1 more in system catalogs or other databases (3 blocks: hint bits, statistics, recovery; --all lists them)""", DiffCommand.text(DIFF, false));
    }

    @Test
    void allListsSystemRelationsAndEqualBranchesSaySo() {
        String all = DiffCommand.text(DIFF, true);
        assertEquals(true, all.contains("  pg_class          main           3  14 / 14"), all);
        assertEquals("""
        schema: dev and main are equal

        storage (8 KiB blocks that differ; dev / main = the relation's size in blocks on each side):
          no user relation differs""", DiffCommand.text(new Views.Diff("dev", "main", true, List.of(), List.of()), false));
    }
}
