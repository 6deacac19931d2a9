package io.ramify.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.ramify.control.Views;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ramify project create|list}. */
@Command(
        name = "project",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = "Projects: each a tree of branches rooted at 'main', one Postgres 15 database cluster.",
        subcommands = {ProjectCommand.Create.class, ProjectCommand.ListProjects.class})
public final class ProjectCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            usageHelpWidth = 110,
            description = {
                "Creates a project with its root branch 'main' (Postgres runs initdb -k on its first start).",
                "Names: lower-case letters, digits and '-', starting with a letter, at most 40."
            })
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(
                names = "--history-window-hours",
                paramLabel = "H",
                description = "How far back branches can be made or restored (default: 24).")
        Long windowHours;

        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                Views.ProjectCreated p = api.post(
                        "/v1/projects",
                        new Views.CreateProject(name, windowHours == null ? null : windowHours * 3600),
                        Views.ProjectCreated.class);
                o.print(
                        p,
                        () -> "project " + p.project().name() + " created with branch "
                                + p.mainBranch().name() + "\nstart it:  ramify compute start main -p "
                                + p.project().name());
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists projects.")
    static final class ListProjects implements Callable<Integer> {
        @Mixin
        ApiOptions o;

        @Override
        public Integer call() {
            return o.run(api -> {
                List<Views.Project> ps = api.get("/v1/projects", new TypeReference<List<Views.Project>>() {});
                o.print(ps, () -> {
                    StringBuilder b =
                            new StringBuilder(String.format("%-24s %-4s %-10s %s", "NAME", "PG", "WINDOW", "CREATED"));
                    ps.forEach(p -> b.append(String.format(
                            "%n%-24s %-4d %-10s %s",
                            p.name(), p.pgVersion(), p.historyWindowSeconds() / 3600 + " h", p.createdAt())));
                    return b.toString();
                });
            });
        }
    }
}
