package dev.lifeboat.watcher;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.watcher.WatcherConfig;
import dev.lifeboat.crypto.FieldSealer;
import dev.lifeboat.kube.LifeboatLabels;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.watcher.volume.VolumeWatcher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watcher of one cluster: loads what it published before, then keeps every change of cluster
 * state flowing to {@code lifeboat.resource-changes}, and every volume fact to {@code
 * lifeboat.volume-events} (with snapshot requests where a volume policy asks for them).
 */
public final class Watcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Watcher.class);

  private final KafkaRecordSink sink;
  private KafkaRecordSink volumeSink;
  private final ResourceWatcher resources;
  private final PublishedState state;
  private final ResourceChangePublisher publisher;
  private final Republisher republisher;
  private final WatcherMetrics metrics;
  private VolumeWatcher volumes;

  private Watcher(KafkaRecordSink sink, ResourceWatcher resources, PublishedState state, ResourceChangePublisher publisher,
      Republisher republisher, WatcherMetrics metrics) {
    this.metrics = metrics;
    this.sink = sink;
    this.resources = resources;
    this.state = state;
    this.publisher = publisher;
    this.republisher = republisher;
  }

  /** Everything the watcher needs from its process. */
  public record Services(KafkaClients kafka, SchemaRegistry registry, EventFactory events, MeterRegistry meters,
      Health health, AuditPublisher audit, Clock clock) {}

  public static Watcher start(KubernetesClient client, WatcherConfig config, Optional<EncryptionConfig> encryption,
      Services services) {
    FieldSealer sealer = null;
    byte[] hashKey = null;
    if (!config.sensitiveKinds().isEmpty()) {
      EncryptionConfig keys = encryption.orElseThrow(() -> new IllegalStateException(
          "watcher.sensitiveKinds = " + config.sensitiveKinds() + " must be encrypted before they reach Kafka, but no "
              + "encryption key is configured: add an `encryption` section (activeKey, keys[id, key]) to the configuration"));
      sealer = new FieldSealer(KeyRing.from(keys));
      hashKey = keys.active();
    }
    WatcherMetrics metrics = new WatcherMetrics(services.meters());
    String cluster = services.events().cluster();
    PublishedState state = PublishedState.load(services.kafka(), services.registry(), cluster);
    KafkaClients kafka = services.kafka().withProducerProperty("compression.type", config.compression());
    KafkaRecordSink sink = new KafkaRecordSink(kafka, new AvroSerializer<>(services.registry()),
        config.maxInFlight(), config.deliveryTimeout(), "lifeboat-watcher-" + cluster, services.meters());
    PublishFailures failures = new PublishFailures(services.health(), services.audit(), metrics, services.clock());
    ResourceChangePublisher publisher = new ResourceChangePublisher(cluster, state, sink,
        services.events().forSource("watcher"), config.ignoreStatus(), config.sensitiveKinds(), sealer, hashKey, metrics, failures);
    failures.attach(sink, publisher::backlogSize);
    ResourceWatcher resources = new ResourceWatcher(client, config, publisher, sink, metrics, services.health(), services.audit(),
        services.clock(), failures);
    Republisher republisher = new Republisher(publisher, sink, failures, resources);
    Watcher watcher = new Watcher(sink, resources, state, publisher, republisher, metrics);
    services.health().set(PublishFailures.KAFKA, dev.lifeboat.observe.Health.State.UP, "publishing");
    services.health().set(PublishFailures.CHANGES, dev.lifeboat.observe.Health.State.UP, "every change published");
    try {
      republisher.start();
      resources.start();
      // Volume facts are derived from what was published before, not re-read from a cache: their producer
      // never gives up on a record (it retries until the broker is back) and blocks the volume thread meanwhile.
      watcher.volumeSink = new KafkaRecordSink(services.kafka(), new AvroSerializer<>(services.registry()), config.maxInFlight(),
          KafkaRecordSink.UNTIL_DELIVERED, "lifeboat-watcher-volumes-" + cluster, services.meters());
      watcher.volumes = VolumeWatcher.start(client, watcher.volumeSink, services.events().forSource("watcher"), config.volumePolicies(),
          services.meters(), services.clock(), services.kafka(), services.registry(), claimsInScope(config));
    } catch (RuntimeException e) {
      watcher.close();
      throw e;
    }
    log.info("Watching cluster {}: {} kinds, {} objects known from Kafka", cluster, resources.kinds().size(), state.size());
    return watcher;
  }

  /** Whether every watched kind has finished its first list (and published what changed while away). */
  public boolean synced() {
    return resources.synced();
  }

  public ResourceWatcher resources() {
    return resources;
  }

  PublishedState state() {
    return state;
  }

  /** Waits until everything published so far is acknowledged (or refused) by the broker. */
  public void flush() {
    sink.flush();
    if (volumeSink != null) {
      volumeSink.flush();
    }
  }

  /** Objects whose latest state waits to be sent again (Kafka refused it, or too much was in flight). */
  public int backlog() {
    return publisher.backlogSize();
  }

  /**
   * The claims whose volumes are the watcher's: those of the namespaces it watches, not the claims a
   * verification restored into its scratch namespaces (labelled {@link LifeboatLabels#SCRATCH}).
   */
  static java.util.function.Predicate<io.fabric8.kubernetes.api.model.PersistentVolumeClaim> claimsInScope(WatcherConfig config) {
    KindFilter filter = new KindFilter(config);
    return claim -> {
      java.util.Map<String, String> labels = claim.getMetadata().getLabels();
      return (labels == null || !labels.containsKey(LifeboatLabels.SCRATCH))
          && filter.watchesNamespace(claim.getMetadata().getNamespace());
    };
  }

  @Override
  public void close() {
    if (volumes != null) {
      volumes.close();
    }
    republisher.close();
    resources.close();
    sink.flush();
    sink.close();
    if (volumeSink != null) {
      volumeSink.flush();
      volumeSink.close();
    }
    metrics.close();
  }
}
