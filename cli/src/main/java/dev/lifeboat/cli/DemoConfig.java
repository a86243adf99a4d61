package dev.lifeboat.cli;

import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.ClusterConfig;
import dev.lifeboat.config.LifeboatConfig.EtcdConfig;
import dev.lifeboat.config.LifeboatConfig.KafkaConfig;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.config.LifeboatConfig.RegistryConfig;
import dev.lifeboat.config.LifeboatConfig.StatusConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.LifeboatConfig.StoresConfig;
import dev.lifeboat.config.RepositoryConfig;
import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.watcher.WatcherConfig;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.runtime.KafkaClients;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The demo's configuration, made from where the embedded stack listens ({@code endpoints.json}) and
 * its data directory: what a {@code lifeboat.yaml} for the embedded stack would say. The demo uses
 * it for its own process, and the chaos run for each worker it runs as a process of its own.
 */
public final class DemoConfig {
  private DemoConfig() {}

  /** The demo's configuration: what a lifeboat.yaml for the embedded stack would say. */
  public static LifeboatConfig of(Endpoints e, Path dataDir, int statusPort) {
    List<StoreConfig> stores = e.stores().stream()
        .map(s -> new StoreConfig(s.name(), s.endpoint(), s.bucket(), "lifeboat", s.accessKey(), s.secretKey(), null))
        .toList();
    Optional<EtcdConfig> etcd = e.etcdEndpoints().isEmpty()
        ? Optional.empty()
        : Optional.of(new EtcdConfig(e.etcdEndpoints(), null, null, null));
    return new LifeboatConfig(
        new ClusterConfig(Demo.CLUSTER),
        new KafkaConfig(e.kafkaBootstrapServers(), "lifeboat-", 1, KafkaClients.DEFAULT_COMPRESSION, Map.of()),
        new RegistryConfig(e.schemaRegistryUrl()),
        new StoresConfig(stores.get(0), stores.subList(1, stores.size())),
        new KubernetesConfig(e.kubeconfig(), null),
        etcd,
        new StatusConfig("127.0.0.1", statusPort),
        Optional.of(DemoKeys.load(dataDir)),
        new RepositoryConfig(DemoKeys.masterKey(dataDir)),
        // the demo snapshots often: collect garbage every 15 minutes, deleting what was planned 5 minutes before
        new RetentionConfig(10, 24, 7, 4, 12, Duration.ofMinutes(15), Duration.ofMinutes(5)))
        .with(WatcherConfig.SECTION, demoWatcher())
        .with(SnapshotterConfig.SECTION, new SnapshotterConfig(true, DemoKeys.masterKey(dataDir), Duration.ofMinutes(5), "", 2))
        .with(VerifierConfig.SECTION, verifier(dataDir));
  }

  /** The demo verifies into scratch namespaces of the local API, scratch etcd and volumes under {@code DIR/verify}. */
  static VerifierConfig verifier(Path dataDir) {
    return VerifierConfig.defaults().withScratchDir(dataDir.resolve("verify"));
  }

  /** Every kind, and an on-change snapshot policy for the demo's "standard" volumes. */
  private static WatcherConfig demoWatcher() {
    return WatcherConfig.defaults().withVolumePolicies(
        List.of(new VolumePolicy("standard", null, VolumePolicy.Mode.ON_CHANGE, null)));
  }
}
