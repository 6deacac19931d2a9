package io.ramify.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.ramify.control.Views;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ramify branch create|list|get|reset|restore|rename|protect|expire|delete}. */
@Command(
        name = "branch",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Branches: copy-on-write copies of a database, made in milliseconds whatever its size.",
            "Names: letters, digits, '_', '.', '-', starting with a letter or digit, at most 63."
        },
        subcommands = {
            BranchCommand.Create.class,
            BranchCommand.ListBranches.class,
            BranchCommand.Get.class,
            BranchCommand.Reset.class,
            BranchCommand.Restore.class,
            BranchCommand.Rename.class,
            BranchCommand.Protect.class,
            BranchCommand.Expire.class,
            BranchCommand.Delete.class
        })
public final class BranchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Point {
        @Option(
                names = "--lsn",
                paramLabel = "LSN",
                description =
                        "Branch at this WAL position (e.g. 0/3000028), snapped to the record end at or before it.")
        String lsn;

        @Option(
                names = "--at",
                paramLabel = "TIME",
                description =
                        "Branch at this time (ISO-8601 UTC, e.g. 2026-11-24T10:00:00Z): after the last commit before it.")
        String time;
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = "Creates a branch of --parent (default main) at its head, at --lsn, or at --at.")
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--parent", paramLabel = "BRANCH", description = "Parent branch (default: main).")
        String parent;

        @ArgGroup(exclusive = true)
        Point point = new Point();

        @Option(
                names = "--expires-at",
                paramLabel = "TIME",
                description = "Delete the branch at this time (ISO-8601 UTC).")
        String expiresAt;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                long t0 = System.nanoTime();
                Views.Branch b = api.post(
                        o.projectPath() + "/branches",
                        new Views.CreateBranch(name, parent, point.lsn, point.time, expiresAt),
                        Views.Branch.class);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                o.print(
                        b,
                        () -> "branch " + b.name() + " created from " + b.parent() + " at " + b.forkLsn() + " in " + ms
                                + " ms\nstart its compute:  ramify compute start " + b.name()
                                + (o.project == null ? "" : " -p " + o.project()));
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the project's branches as a tree.")
    static final class ListBranches implements Callable<Integer> {
        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                List<Views.Branch> all =
                        api.get(o.projectPath() + "/branches", new TypeReference<List<Views.Branch>>() {});
                o.print(all, () -> tree(all));
            });
        }
    }

    static String tree(List<Views.Branch> all) {
        Map<String, List<Views.Branch>> children = new TreeMap<>();
        List<Views.Branch> roots = new ArrayList<>();
        for (Views.Branch b : all) {
            if (b.parent() == null) {
                roots.add(b);
            } else {
                children.computeIfAbsent(b.parent(), k -> new ArrayList<>()).add(b);
            }
        }
        StringBuilder out = new StringBuilder(String.format(
                "%-36s %-12s %-12s %-10s %-10s %-24s %s",
                "BRANCH", "FORK LSN", "HEAD LSN", "LOGICAL", "OWNED", "COMPUTE", "CREATED"));
        roots.sort(Comparator.comparing(Views.Branch::name));
        for (Views.Branch r : roots) {
            line(out, r, "", children);
        }
        return out.toString();
    }

    private static void line(
            StringBuilder out, Views.Branch b, String indent, Map<String, List<Views.Branch>> children) {
        String compute = b.compute().state()
                + (b.compute().port() == null || !"RUNNING".equals(b.compute().state())
                        ? ""
                        : " :" + b.compute().port());
        out.append(String.format(
                "%n%-36s %-12s %-12s %-10s %-10s %-24s %s",
                indent + b.name() + (b.isProtected() ? " (protected)" : ""),
                b.forkLsn() == null ? "-" : b.forkLsn(),
                b.headLsn() == null ? "-" : b.headLsn(),
                bytes(b.logicalBytes()),
                bytes(b.ownedBytes()),
                compute,
                b.createdAt()));
        List<Views.Branch> cs = new ArrayList<>(children.getOrDefault(b.name(), List.of()));
        cs.sort(Comparator.comparing(Views.Branch::name));
        for (Views.Branch c : cs) {
            line(out, c, indent + "  ", children);
        }
    }

    static String bytes(Long n) {
        if (n == null) {
            return "?";
        }
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }

    static String describe(Views.Branch b) {
        return String.join(
                "\n",
                "branch      " + b.project() + "/" + b.name() + (b.isProtected() ? " (protected)" : ""),
                "parent      " + (b.parent() == null ? "- (root)" : b.parent() + " at " + b.forkLsn()),
                "timeline    " + b.timeline(),
                "head LSN    " + (b.headLsn() == null ? "?" : b.headLsn()),
                "logical     " + bytes(b.logicalBytes()),
                "owned       " + bytes(b.ownedBytes()),
                "compute     " + b.compute().state()
                        + (b.compute().port() == null
                                ? ""
                                : " on " + b.compute().host() + ":"
                                        + b.compute().port())
                        + (b.compute().message() == null
                                ? ""
                                : " (" + b.compute().message() + ")"),
                "idle after  " + (b.idleTimeoutSeconds() == 0 ? "never" : b.idleTimeoutSeconds() + " s"),
                "expires     " + (b.expiresAt() == null ? "never" : b.expiresAt()),
                "created     " + b.createdAt());
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Shows one branch.")
    static final class Get implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                Views.Branch b = api.get(o.branchPath(name), Views.Branch.class);
                o.print(b, () -> describe(b));
            });
        }
    }

    @Command(
            name = "reset",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Resets a branch to its parent's head, discarding its own changes (refused while it has",
                "children). A running compute restarts on the new state."
            })
    static final class Reset implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                Views.Branch b = api.post(o.branchPath(name) + "/reset", null, Views.Branch.class);
                o.print(b, () -> "branch " + b.name() + " reset to " + b.parent() + " at " + b.forkLsn());
            });
        }
    }

    @Command(
            name = "restore",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Restores a branch to an earlier point of its own history (--lsn or --at). The state it",
                "had before is kept as a new branch NAME_old_<time>."
            })
    static final class Restore implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Point point;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                Views.Restored r = api.post(
                        o.branchPath(name) + "/restore",
                        new Views.Restore(point.lsn, point.time),
                        Views.Restored.class);
                o.print(
                        r,
                        () -> "branch " + r.branch().name() + " restored to "
                                + r.branch().forkLsn() + "; its previous state is branch "
                                + r.backup().name());
            });
        }
    }

    @Command(name = "rename", mixinStandardHelpOptions = true, description = "Renames a branch.")
    static final class Rename implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "NEW_NAME")
        String newName;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                Views.Branch b = api.patch(
                        o.branchPath(name), new Views.UpdateBranch(newName, null, null, null), Views.Branch.class);
                o.print(b, () -> "branch " + name + " is now " + b.name());
            });
        }
    }

    @Command(
            name = "protect",
            mixinStandardHelpOptions = true,
            description = "Protects a branch from deletion (--off removes the protection).")
    static final class Protect implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--off", description = "Remove the protection.")
        boolean off;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                Views.Branch b = api.patch(
                        o.branchPath(name), new Views.UpdateBranch(null, !off, null, null), Views.Branch.class);
                o.print(b, () -> "branch " + b.name() + (b.isProtected() ? " is protected" : " is not protected"));
            });
        }
    }

    @Command(
            name = "expire",
            mixinStandardHelpOptions = true,
            description = "Sets when the catalog deletes a branch (--at TIME), or clears it (--never).")
    static final class Expire implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--at", paramLabel = "TIME", description = "ISO-8601 UTC time.")
        String at;

        @Option(names = "--never", description = "Never expire.")
        boolean never;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            if ((at == null) == !never) {
                System.err.println("error: give exactly one of --at TIME and --never");
                return 1;
            }
            return o.run(api -> {
                Views.Branch b = api.patch(
                        o.branchPath(name),
                        new Views.UpdateBranch(null, null, never ? "" : at, null),
                        Views.Branch.class);
                o.print(
                        b,
                        () -> "branch " + b.name() + " expires "
                                + (b.expiresAt() == null ? "never" : "at " + b.expiresAt()));
            });
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = "Deletes a branch (refused while it has children, is protected, or is the root).")
    static final class Delete implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                Views.DeleteResult d = api.delete(o.branchPath(name), Views.DeleteResult.class);
                o.print(d, () -> "branch " + d.deleted() + " deleted");
            });
        }
    }
}
