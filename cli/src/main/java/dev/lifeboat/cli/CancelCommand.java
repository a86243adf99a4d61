package dev.lifeboat.cli;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.commands.v1.Cancel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Stops a command that is still running: sends a Cancel command to lifeboat.commands.",
    footer = ExitCodes.DESCRIPTION)
final class CancelCommand extends CommandSending {
  @Parameters(paramLabel = "COMMAND_ID", description = "The id of the command to stop.")
  String commandId;

  @Override
  Object action() {
    return Cancel.newBuilder().setCommandIdToCancel(commandId).build();
  }
}
