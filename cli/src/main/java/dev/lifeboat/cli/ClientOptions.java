package dev.lifeboat.cli;

import dev.lifeboat.cli.client.Connection;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.verifier.ScratchSpace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
    return config != null ? Connection.fromConfig(config) : Connection.fromDataDir(demoDir());
  }

  /** Where the verifier restores to: the configuration's verifier section, or the demo's. */
  ScratchSpace scratch() {
    if (config != null) {
      return ScratchSpace.of(new ConfigLoader().load(config));
    }
    return ScratchSpace.of(new KubernetesConfig(endpoints().kubeconfig(), null), DemoConfig.verifier(demoDir()));
  }

  /** The Kubernetes clusters the configuration names: its kubeconfig and context, or the demo's kubeconfig. */
  KubernetesConfig kubernetes() {
    if (config != null) {
      return new ConfigLoader().load(config).kubernetes();
    }
    return new KubernetesConfig(endpoints().kubeconfig(), null);
  }

  /**
   * The data-mover pods of a restore run in this process: the configuration's restore section, or
   * for a demo the environment's image ({@code LIFEBOAT_DATA_MOVER_IMAGE}) and the defaults.
   */
  dev.lifeboat.restore.DataMoverSettings dataMover() {
    if (config != null) {
      return new ConfigLoader().load(config).section(dev.lifeboat.commands.RestoreConfig.SECTION).dataMover();
    }
    return dev.lifeboat.restore.DataMoverSettings.fromEnvironment();
  }

  /** The data keys that unseal Secrets: the configuration's encryption section, or the demo's keys; null when none. */
  KeyRing keys() {
    if (config != null) {
      return new ConfigLoader().load(config).encryption().map(KeyRing::from).orElse(null);
    }
    Path dir = demoDir();
    return java.nio.file.Files.isDirectory(dir.resolve("keys")) ? KeyRing.from(DemoKeys.load(dir)) : null;
  }

  private Endpoints endpoints() {
    Path dir = demoDir();
    try {
      return Endpoints.read(dir.resolve("endpoints.json"));
    } catch (IOException e) {
      throw new ConfigException(dir.resolve("endpoints.json").toString(), List.of("cannot be read: " + e.getMessage()));
    }
  }

  private Path demoDir() {
    return dataDir != null ? dataDir : DEFAULT_DATA_DIR;
  }
}
