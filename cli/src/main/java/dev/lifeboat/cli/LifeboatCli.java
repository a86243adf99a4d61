package dev.lifeboat.cli;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.schemas.serde.TrustedContract;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The single {@code lifeboat} executable. */
@Command(name = "lifeboat", mixinStandardHelpOptions = true, version = "lifeboat 0.1.0",
    description = "Continuous, event-driven backup and disaster recovery for Kubernetes over Kafka.",
    subcommands = {DemoCommand.class, RunCommand.class, ConfigCommand.class, RegistryCommand.class, RestoreCommand.class,
        SnapshotsCommand.class, AuditCommand.class, VerifyCommand.class, CancelCommand.class, CheckCommand.class,
        VolumeCommand.class})
public final class LifeboatCli {

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    TrustedContract.ensure(); // client commands build contract records before any serde is loaded
    CommandLine cli = new CommandLine(new LifeboatCli());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigException) {
        commandLine.getErr().println(e.getMessage());
        return 2;
      }
      commandLine.getErr().println("lifeboat: " + e.getMessage());
      org.slf4j.LoggerFactory.getLogger(LifeboatCli.class).debug("Command failed", e);
      return 1;
    });
    return cli;
  }
}
