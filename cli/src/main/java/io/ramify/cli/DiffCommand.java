package io.ramify.cli;

import io.ramify.control.Views;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ramify diff BRANCH [--against OTHER]}: schema and storage diff of two branches. */
@Command(
        name = "diff",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Compares BRANCH with its parent (or --against OTHER):",
            "  schema   pg_dump --schema-only of both ('-' lines only in OTHER, '+' lines only in BRANCH);",
            "  storage  the relations whose 8 KiB blocks differ, and in how many blocks, as the page stores hold them",
            "           after a CHECKPOINT on both computes (a block differs in its bytes or exists on one side only).",
            "System catalogs and other databases also differ through hint bits, statistics and recovery; they are",
            "summed in one line unless --all. Starts computes that are not running.",
            "Example: ramify diff dev            ramify diff dev --against staging --output json"
        })
public final class DiffCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BRANCH")
    String branch;

    @Option(names = "--against", paramLabel = "OTHER", description = "Branch to compare with (default: the parent).")
    String against;

    @Option(names = "--all", description = "List system catalogs and other databases' files too.")
    boolean all;

    @Mixin
    ApiOptions o;

    @Override
    public Integer call() {
        return o.run(api -> {
            Views.Diff d = api.get(
                    o.branchPath(branch) + "/diff"
                            + (against == null ? "" : "?against=" + io.ramify.control.client.ApiClient.seg(against)),
                    Views.Diff.class);
            o.print(d, () -> text(d, all));
        });
    }

    static String text(Views.Diff d, boolean all) {
        StringBuilder b = new StringBuilder();
        b.append(
                d.schemaEqual()
                        ? "schema: " + d.branch() + " and " + d.against() + " are equal\n"
                        : "schema (- " + d.against() + ", + " + d.branch() + "):\n" + String.join("\n", d.schemaDiff())
                                + "\n");
        List<Views.RelationChange> shown =
                d.relations().stream().filter(r -> all || !r.system()).toList();
        List<Views.RelationChange> hidden =
                d.relations().stream().filter(r -> !all && r.system()).toList();
        b.append("\nstorage (8 KiB blocks that differ; ")
                .append(d.branch())
                .append(" / ")
                .append(d.against())
                .append(" = the relation's size in blocks on each side):\n");
        if (shown.isEmpty()) {
            b.append("  no ").append(all ? "" : "user ").append("relation differs\n");
        } else {
            int width = Math.max(
                    8, shown.stream().mapToInt(r -> label(r).length()).max().orElse(8));
            b.append(String.format(
                    "  %-" + width + "s  %-4s  %10s  %s%n",
                    "RELATION",
                    "FORK",
                    "CHANGED",
                    d.branch() + " / " + d.against()));
            for (Views.RelationChange r : shown) {
                b.append(String.format(
                        "  %-" + width + "s  %-4s  %10d  %s / %s%n",
                        label(r),
                        r.fork(),
                        r.changedBlocks(),
                        r.inBranch() ? Long.toString(r.blocksInBranch()) : "-",
                        r.inOther() ? Long.toString(r.blocksInOther()) : "-"));
            }
        }
        if (!hidden.isEmpty()) {
            b.append("  + ")
                    .append(hidden.size())
                    .append(" more in system catalogs or other databases (")
                    .append(hidden.stream()
                            .mapToLong(Views.RelationChange::changedBlocks)
                            .sum())
                    .append(" blocks: hint bits, statistics, recovery; --all lists them)\n");
        }
        return b.toString().stripTrailing();
    }

    private static String label(Views.RelationChange r) {
        return r.relation() != null ? r.relation() : "(" + r.file() + ")";
    }
}
