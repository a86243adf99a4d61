package dev.lifeboat.watcher;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.ConfigSection;
import dev.lifeboat.config.Field;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Validators;
import dev.lifeboat.schedule.VolumePolicy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the watcher watches and how.
 *
 * @param includeKinds kinds to watch (empty: every discovered kind); a kind is named by its Kind
 *     ({@code Deployment}), its resource ({@code deployments}) or either with its group ({@code
 *     deployments.apps}, {@code Database.demo.lifeboat.dev})
 * @param excludeKinds kinds never to watch, on top of the built-in exclusions (events, leases, ...)
 * @param sensitiveKinds kinds whose payload is encrypted before it reaches Kafka
 */
public record WatcherConfig(
    boolean enabled,
    List<String> includeKinds,
    List<String> excludeKinds,
    List<String> includeNamespaces,
    List<String> excludeNamespaces,
    String labelSelector,
    boolean ignoreStatus,
    Duration rediscoverEvery,
    List<String> sensitiveKinds,
    int maxInFlight,
    String compression,
    List<VolumePolicy> volumePolicies,
    Duration deliveryTimeout) implements dev.lifeboat.schedule.VolumePolicies.Declared {

  static final Field<Boolean> ENABLED = Field.bool("enabled", "Run the watcher in this process.").withDefault(true);
  static final Field<List<String>> INCLUDE_KINDS = Field.strings("includeKinds",
      "Kinds to watch; empty: every discovered kind that supports list and watch. Kind, resource, or either with .group.")
      .withDefault(List.of());
  static final Field<List<String>> EXCLUDE_KINDS = Field.strings("excludeKinds",
      "Kinds never to watch, on top of the built-in exclusions (events, leases, endpoints, endpointslices, ...).")
      .withDefault(List.of());
  static final Field<List<String>> INCLUDE_NAMESPACES = Field.strings("includeNamespaces",
      "Namespaces to watch; empty: all. Cluster-scoped objects are always watched.").withDefault(List.of());
  static final Field<List<String>> EXCLUDE_NAMESPACES = Field.strings("excludeNamespaces", "Namespaces never to watch.")
      .withDefault(List.of());
  static final Field<String> LABEL_SELECTOR = Field.string("labelSelector",
      "Only objects matching this label selector, e.g. 'backup notin (skip)'.").optional();
  static final Field<Boolean> IGNORE_STATUS = Field.bool("ignoreStatus",
      "Leave status out of the content hash, so status-only churn publishes nothing.").withDefault(true);
  static final Field<Duration> REDISCOVER = Field.duration("rediscoverEvery",
      "How often API discovery runs again (it also runs when a CRD appears or goes).")
      .withDefault(Duration.ofMinutes(1)).validate(d -> d.toSeconds() >= 1, "at least 1s");
  static final Field<List<String>> SENSITIVE = Field.strings("sensitiveKinds",
      "Kinds whose payload is encrypted before it is produced.").withDefault(List.of("Secret"));
  static final Field<Integer> MAX_IN_FLIGHT = Field.integer("maxInFlight",
      "Records sent but not yet acknowledged; beyond it, changes wait in the backlog (identities only) until acknowledgements free room.")
      .withDefault(10_000).validate(v -> v >= 1 && v <= 1_000_000, "1 to 1000000");

  static final Field<Duration> DELIVERY_TIMEOUT = Field.duration("deliveryTimeout",
      "How long the producer retries a change before Kafka counts as refusing it. A refused change is kept (as the "
          + "object's identity; its latest state is read again) and sent again with backoff once Kafka takes records: "
          + "nothing is lost however long Kafka is away.")
      .withDefault(Duration.ofMinutes(2)).validate(d -> d.toMillis() >= 1000, "at least 1s");

  static final Field<String> COMPRESSION = Field.string("compression",
      "Compression of lifeboat.resource-changes, the high-volume topic (kafka.compression applies to the rest). "
          + "lz4 takes a third of gzip's CPU; consumers outside Lifeboat need an lz4 codec (built into Java, Go and librdkafka clients).")
      .withDefault("lz4").validate(c -> List.of("none", "gzip", "snappy", "lz4", "zstd").contains(c), "none, gzip, snappy, lz4, zstd");

  /** A configuration with the default delivery timeout. */
  public WatcherConfig(boolean enabled, List<String> includeKinds, List<String> excludeKinds, List<String> includeNamespaces,
      List<String> excludeNamespaces, String labelSelector, boolean ignoreStatus, Duration rediscoverEvery,
      List<String> sensitiveKinds, int maxInFlight, String compression, List<VolumePolicy> volumePolicies) {
    this(enabled, includeKinds, excludeKinds, includeNamespaces, excludeNamespaces, labelSelector, ignoreStatus, rediscoverEvery,
        sensitiveKinds, maxInFlight, compression, volumePolicies, Duration.ofMinutes(2));
  }

  public static WatcherConfig defaults() {
    return new WatcherConfig(true, List.of(), List.of(), List.of(), List.of(), null, true, Duration.ofMinutes(1),
        List.of("Secret"), 10_000, "lz4", List.of());
  }

  /** The same configuration with other volume policies. */
  public WatcherConfig withVolumePolicies(List<VolumePolicy> policies) {
    return new WatcherConfig(enabled, includeKinds, excludeKinds, includeNamespaces, excludeNamespaces, labelSelector,
        ignoreStatus, rediscoverEvery, sensitiveKinds, maxInFlight, compression, List.copyOf(policies), deliveryTimeout);
  }

  /** The same configuration with another delivery timeout. */
  public WatcherConfig withDeliveryTimeout(Duration timeout) {
    return new WatcherConfig(enabled, includeKinds, excludeKinds, includeNamespaces, excludeNamespaces, labelSelector,
        ignoreStatus, rediscoverEvery, sensitiveKinds, maxInFlight, compression, volumePolicies, timeout);
  }

  /** The {@code watcher} section, contributed by the watcher's plugin. */
  public static final ConfigSection<WatcherConfig> SECTION = new ConfigSection<>() {
    @Override
    public String name() {
      return "watcher";
    }

    @Override
    public WatcherConfig defaults() {
      return WatcherConfig.defaults();
    }

    @Override
    public WatcherConfig read(ConfigReader reader, LifeboatConfig shared) {
      return WatcherConfig.read(reader);
    }

    @Override
    public List<Field<?>> fields() {
      return WatcherConfig.fields();
    }

    @Override
    public java.util.Map<String, List<Field<?>>> documentation() {
      java.util.Map<String, List<Field<?>>> docs = new java.util.LinkedHashMap<>();
      docs.put("watcher", WatcherConfig.fields());
      docs.put("watcher.volumePolicies[]", VolumePolicy.fields());
      return docs;
    }
  };

  static WatcherConfig read(ConfigReader r) {
    List<VolumePolicy> policies = new ArrayList<>();
    for (ConfigReader p : r.sections("volumePolicies")) {
      policies.add(VolumePolicy.read(p));
    }
    WatcherConfig c = new WatcherConfig(Boolean.TRUE.equals(r.get(ENABLED)), r.get(INCLUDE_KINDS), r.get(EXCLUDE_KINDS),
        r.get(INCLUDE_NAMESPACES), r.get(EXCLUDE_NAMESPACES), r.get(LABEL_SELECTOR), Boolean.TRUE.equals(r.get(IGNORE_STATUS)),
        r.get(REDISCOVER), r.get(SENSITIVE), r.get(MAX_IN_FLIGHT) == null ? 0 : r.get(MAX_IN_FLIGHT), r.get(COMPRESSION),
        List.copyOf(policies), r.get(DELIVERY_TIMEOUT));
    r.rejectUnknown(List.of());
    return c;
  }

  static List<Field<?>> fields() {
    return List.of(ENABLED, INCLUDE_KINDS, EXCLUDE_KINDS, INCLUDE_NAMESPACES, EXCLUDE_NAMESPACES, LABEL_SELECTOR,
        IGNORE_STATUS, REDISCOVER, SENSITIVE, MAX_IN_FLIGHT, DELIVERY_TIMEOUT, COMPRESSION);
  }
}
