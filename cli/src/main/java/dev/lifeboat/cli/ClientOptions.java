package dev.lifeboat.cli;

import dev.lifeboat.cli.client.Connection;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** How a client command finds Lifeboat: a running demo's data directory, or a configuration file. */
final class ClientOptions {
  static final Path DEFAULT_DATA_DIR = Path.of("lifeboat-data");

  @Spec(Spec.Target.MIXEE)
  CommandSpec spec;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Data directory of a running demo: its endpoints.json says where Kafka and the registry are (default: lifeboat-data).")
  Path dataDir;

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "A lifeboat.yaml, instead of a demo's data directory.")
  Path config;

  Connection connection() {
    if (dataDir != null && config != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give --data-dir or --config, not both");
    }
    return config != null ? Connection.fromConfig(config) : Connection.fromDataDir(dataDir != null ? dataDir : DEFAULT_DATA_DIR);
  }
}
