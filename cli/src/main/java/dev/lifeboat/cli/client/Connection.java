package dev.lifeboat.cli.client;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.KafkaSecurityConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.RegistryConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Where a client command finds Lifeboat: Kafka, the schema registry, the stores and the cluster name,
 * read from a running demo's {@code endpoints.json} or from a {@code lifeboat.yaml}.
 *
 * @param kafkaSecurity TLS and SASL towards Kafka ({@code kafka.security}); plaintext for the demo
 * @param masterKey the repository's master key when known (demo data directory, or {@code
 *     snapshotter.masterKey}); null otherwise
 */
public record Connection(String cluster, String bootstrapServers, Map<String, String> kafkaProperties,
    KafkaSecurityConfig kafkaSecurity, RegistryConfig registryConfig, List<StoreConfig> stores, byte[] masterKey) {

  /** The cluster name the demo protects. */
  public static final String DEMO_CLUSTER = "demo";
  private static final String DEMO_PREFIX = "lifeboat";

  /** A running demo's connection, from {@code DIR/endpoints.json}. */
  public static Connection fromDataDir(Path dataDir) {
    Path file = dataDir.resolve("endpoints.json");
    if (!Files.isRegularFile(file)) {
      throw new ConfigException(file.toString(), List.of("does not exist: start the demo with `lifeboat demo --data-dir "
          + dataDir + "`, or name a configuration with --config"));
    }
    Endpoints endpoints;
    try {
      endpoints = Endpoints.read(file);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot be read: " + e.getMessage()));
    }
    List<StoreConfig> stores = new ArrayList<>();
    for (Endpoints.Store s : endpoints.stores()) {
      stores.add(new StoreConfig(s.name(), s.endpoint(), s.bucket(), DEMO_PREFIX, s.accessKey(), s.secretKey(), s.region()));
    }
    return new Connection(DEMO_CLUSTER, endpoints.kafkaBootstrapServers(), Map.of(), KafkaSecurityConfig.PLAINTEXT,
        new RegistryConfig(endpoints.schemaRegistryUrl()), stores, demoMasterKey(dataDir));
  }

  /** The connection a configuration file describes. */
  public static Connection fromConfig(Path config) {
    LifeboatConfig c = new ConfigLoader().load(config);
    List<StoreConfig> stores = new ArrayList<>();
    stores.add(c.stores().primary());
    stores.addAll(c.stores().offsite());
    return new Connection(c.cluster().name(), c.kafka().bootstrapServers(), c.kafka().properties(), c.kafka().security(),
        c.registry(), stores, c.masterKey());
  }

  /** The master key the demo keeps in {@code DIR/keys}; null when there is none (never made here). */
  private static byte[] demoMasterKey(Path dataDir) {
    Path file = dataDir.resolve("keys").resolve("repository-master.key");
    try {
      return Files.isRegularFile(file) ? Base64.getDecoder().decode(Files.readString(file).trim()) : null;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  public KafkaClients kafka() {
    return new KafkaClients(bootstrapServers, kafkaProperties, kafkaSecurity);
  }

  public SchemaRegistry registry() {
    return registryConfig.newClient();
  }

  /** The store of this name. */
  public StoreConfig store(String name) {
    return stores.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "no store named '" + name + "'; known: " + stores.stream().map(StoreConfig::name).toList()));
  }
}
