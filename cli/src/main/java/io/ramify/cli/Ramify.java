package io.ramify.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ramify} command: one entry point for every Ramify process and tool. */
@Command(name = "ramify", mixinStandardHelpOptions = true, version = "ramify 0.1.0",
    description = "Copy-on-write branches for stock PostgreSQL on a Raft-replicated storage cluster.",
    subcommands = {UpCommand.class, DownCommand.class, ProjectCommand.class, BranchCommand.class,
        ComputeCommand.class, ConnectCommand.class, DiffCommand.class, WalServerCommand.class,
        PageStoreCommand.class, ControlCommand.class, CommandLine.HelpCommand.class})
public final class Ramify implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Ramify()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
  }
}
