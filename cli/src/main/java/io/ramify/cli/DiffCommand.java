package io.ramify.cli;

import io.ramify.control.Views;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ramify diff BRANCH [--against OTHER]}: schema diff of two branches. */
@Command(name = "diff", mixinStandardHelpOptions = true, usageHelpWidth = 110,
    description = {"Schema diff of BRANCH against its parent (or --against), from pg_dump --schema-only of both",
        "('-' lines only in the other branch, '+' lines only in BRANCH). Starts computes that are not running."})
public final class DiffCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "BRANCH") String branch;
  @Option(names = "--against", paramLabel = "OTHER", description = "Branch to compare with (default: the parent).")
  String against;
  @Mixin ApiOptions o;

  @Override
  public Integer call() {
    return o.run(api -> {
      Views.Diff d = api.get(o.branchPath(branch) + "/diff" + (against == null ? ""
          : "?against=" + io.ramify.control.client.ApiClient.seg(against)), Views.Diff.class);
      o.print(d, () -> d.schemaEqual() ? "schemas of " + d.branch() + " and " + d.against() + " are equal"
          : String.join("\n", d.schemaDiff()));
    });
  }
}
