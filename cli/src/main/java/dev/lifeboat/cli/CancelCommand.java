package dev.lifeboat.cli;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.commands.v1.Cancel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Stops a command that is still running: sends a Cancel command to lifeboat.commands.",
    footer = ExitCodes.DESCRIPTION)
final class CancelCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  ClientOptions client;

  @Mixin
  CommandFollowing following;

  @Parameters(paramLabel = "COMMAND_ID", description = "The id of the command to stop.")
  String commandId;

  @Override
  public Integer call() throws Exception {
    return following.send(client.connection(), Cancel.newBuilder().setCommandIdToCancel(commandId).build(),
        spec.commandLine().getOut());
  }
}
