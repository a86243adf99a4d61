package dev.lifeboat.cli;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "config", mixinStandardHelpOptions = true, description = "Documents and checks configuration.",
    subcommands = {ConfigCommand.Docs.class, ConfigCommand.Validate.class})
final class ConfigCommand {

  @Command(name = "docs", description = "Prints every configuration key with its default and meaning.")
  static final class Docs implements Callable<Integer> {
    @Override
    public Integer call() {
      System.out.print(LifeboatConfig.documentation());
      return 0;
    }
  }

  @Command(name = "validate", description = "Checks a configuration file and reports every problem.")
  static final class Validate implements Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, description = "The configuration file.")
    Path config;

    @Override
    public Integer call() {
      LifeboatConfig loaded = new ConfigLoader().load(config);
      System.out.println(config + " is valid: cluster " + loaded.cluster().name() + ", kafka " + loaded.kafka().bootstrapServers()
          + ", " + (1 + loaded.stores().offsite().size()) + " stores");
      return 0;
    }
  }
}
