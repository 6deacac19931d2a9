package io.ramify.cli;

import io.ramify.control.Views;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ramify connect BRANCH}: the branch's connection string. */
@Command(
        name = "connect",
        mixinStandardHelpOptions = true,
        usageHelpWidth = 110,
        description = {
            "Prints the connection string of a branch's compute, e.g. psql \"$(ramify connect dev)\".",
            "A compute that is not running has none yet: start it with ramify compute start BRANCH."
        })
public final class ConnectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "BRANCH")
    String branch;

    @Mixin
    ApiOptions o;

    @Override
    public Integer call() {
        return o.run(api -> {
            Views.Connection c = api.get(o.branchPath(branch) + "/connection", Views.Connection.class);
            if (c.uri().isEmpty() && o.output == ApiOptions.Output.text) {
                throw new io.ramify.control.http.ApiException(
                        409,
                        "NOT_RUNNING",
                        "branch " + branch + " has no running " + "compute (" + c.state()
                                + "); start it with: ramify compute start " + branch + o.dataDir.asOption());
            }
            o.print(c, c::uri);
        });
    }
}
