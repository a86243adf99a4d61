package dev.lifeboat.watcher;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.watcher.WatcherConfig;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.observe.Health;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A watcher over the shared stack's local cluster, under a cluster name of its own, with a namespace of its
 * own ({@link #namespace}, created here), and ways to read what it published.
 */
final class WatcherFixture {
  static final byte[] KEY = new byte[32];

  static {
    new java.security.SecureRandom().nextBytes(KEY);
  }

  final TestStack stack;
  final String cluster = "it-" + UUID.randomUUID().toString().substring(0, 8);
  final String namespace = "ns-" + UUID.randomUUID().toString().substring(0, 8);
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  WatcherFixture(TestStack stack) {
    this.stack = stack;
    kube().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build()).create();
  }

  KubernetesClient kube() {
    return stack.stack().kubernetes().orElseThrow().client();
  }

  WatcherConfig config() {
    WatcherConfig d = WatcherConfig.defaults();
    return new WatcherConfig(true, d.includeKinds(), d.excludeKinds(), List.of(namespace), d.excludeNamespaces(), null, true,
        Duration.ofSeconds(2), d.sensitiveKinds(), 1000, d.compression(), List.of());
  }

  Watcher start() {
    return start(config());
  }

  Watcher start(WatcherConfig config) {
    EventFactory events = new EventFactory(cluster, "watcher", Clock.systemUTC());
    Watcher watcher = Watcher.start(kube(), config, Optional.of(new EncryptionConfig("k1", Map.of("k1", KEY))),
        new Watcher.Services(stack.kafka(), stack.registry(), events, meters, new Health(Clock.systemUTC()), null,
            Clock.systemUTC()));
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(watcher::synced);
    return watcher;
  }

  /** This fixture's records, in topic order, once {@code until} holds for them. */
  List<ResourceChanged> records(Predicate<List<ResourceChanged>> until) {
    return stack.read(Topics.RESOURCE_CHANGES, ResourceChanged.class, Duration.ofSeconds(30),
        all -> until.test(mine(all))).stream().filter(this::isMine).toList();
  }

  List<ResourceChanged> mine(List<ResourceChanged> all) {
    return all.stream().filter(this::isMine).toList();
  }

  boolean isMine(ResourceChanged r) {
    return r.getHeader().getCluster().equals(cluster);
  }

  /**
   * Everything this fixture's watcher has published, shown complete without waiting a while: a
   * marker object is created through each of {@code markers} (one per kind the test looks at; an
   * informer delivers one kind's events in order), and once every marker's record is on the topic,
   * the backlog is empty and every send is acknowledged, the topic is read up to its end offsets. The
   * markers' own records are left out.
   */
  List<ResourceChanged> settle(Watcher watcher, List<java.util.function.Consumer<String>> markers) {
    String marker = "zz-marker-" + UUID.randomUUID().toString().substring(0, 8);
    markers.forEach(m -> m.accept(marker));
    records(r -> r.stream().filter(c -> c.getName().equals(marker)).count() >= markers.size());
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> watcher.backlog() == 0);
    watcher.flush();
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
    return TopicEnd.readToEnd(stack.kafka(), Topics.RESOURCE_CHANGES).stream()
        .map(r -> deserializer.decode(r.topic(), r.partition(), r.offset(), r.value()))
        .filter(ResourceChanged.class::isInstance).map(ResourceChanged.class::cast)
        .filter(this::isMine).filter(c -> !c.getName().equals(marker)).toList();
  }

  /** A marker ConfigMap in this fixture's namespace. */
  java.util.function.Consumer<String> configMapMarker() {
    return name -> kube().configMaps().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName(name).endMetadata().build()).create();
  }

  /** The change types of each object of a namespace, in the order they were published. */
  static Map<String, List<dev.lifeboat.events.v1.ChangeType>> byObject(List<ResourceChanged> records, String namespace) {
    Map<String, List<dev.lifeboat.events.v1.ChangeType>> changes = new java.util.LinkedHashMap<>();
    records.stream().filter(r -> namespace.equals(r.getNamespace()))
        .forEach(r -> changes.computeIfAbsent(key(r), k -> new java.util.ArrayList<>()).add(r.getType()));
    return changes;
  }

  static String key(ResourceChanged r) {
    return r.getKind() + "/" + (r.getNamespace() == null ? "" : r.getNamespace() + "/") + r.getName();
  }
}
