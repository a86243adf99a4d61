package dev.lifeboat.cli;

import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.Topics;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** What the disaster drills share: waiting for records, the applications' objects and files to compare. */
final class Drills {
  static final List<String> KINDS = List.of("v1/ConfigMap", "v1/Secret", "apps/v1/Deployment", "v1/Service",
      "v1/PersistentVolumeClaim", "demo.lifeboat.dev/v1/Database");

  private Drills() {}

  /**
   * Reads {@code topic} from its beginning, each record once, until a record of type T matches (the
   * consumer's poll waits for records), or fails after 90 s.
   */
  @SuppressWarnings("unchecked")
  static <T> ConsumerRecord<byte[], byte[]> awaitRecord(Endpoints endpoints, String topic, Predicate<T> matches) {
    AvroDeserializer<Object> values = new AvroDeserializer<>(new HttpSchemaRegistryClient(endpoints.schemaRegistryUrl()));
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaClients(endpoints.kafkaBootstrapServers())
        .consumer("drills-" + UUID.randomUUID())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          Object value = values.decode(r.topic(), r.partition(), r.offset(), r.value());
          try {
            if (matches.test((T) value)) {
              return r;
            }
          } catch (ClassCastException other) {
            // another record type of the same topic
          }
        }
      }
      throw new AssertionError("nothing on " + topic + " matched within 90 s");
    }
  }

  /**
   * Waits until the watcher has published a change of every object {@link #capture} returned and the
   * change log has archived it: an instant after that is one the change log can restore them at (an
   * object of a kind the watcher discovers late, such as a custom resource, may otherwise be published
   * after it, and each partition's segment is sealed on its own).
   */
  static void awaitPublished(Endpoints endpoints, Map<String, Object> captured) {
    for (ConsumerRecord<byte[], byte[]> change : published(endpoints, captured)) {
      awaitRecord(endpoints, Topics.SNAPSHOTS, (ChangeLogSegmentArchived a) -> a.getPartition() == change.partition()
          && a.getLastOffset() >= change.offset());
    }
  }

  /**
   * As {@link #awaitPublished}, until the change log's copy in {@code store} holds every object
   * {@link #capture} returned: the change of one object may sit in a partition whose segment is
   * copied later than another's.
   */
  static void awaitReplicated(Endpoints endpoints, Map<String, Object> captured, String store) {
    for (ConsumerRecord<byte[], byte[]> change : published(endpoints, captured)) {
      awaitRecord(endpoints, Topics.REPLICATIONS, (ChangeLogSegmentReplicated r) -> r.getStore().equals(store)
          && r.getPartition() == change.partition() && r.getLastOffset() >= change.offset());
    }
  }

  /** A published change of each captured object. */
  private static List<ConsumerRecord<byte[], byte[]>> published(Endpoints endpoints, Map<String, Object> captured) {
    List<ConsumerRecord<byte[], byte[]>> changes = new java.util.ArrayList<>();
    for (String object : captured.keySet()) {
      String[] parts = object.split(" ");
      String kind = parts[0].substring(parts[0].lastIndexOf('/') + 1);
      String namespace = parts[1].substring(0, parts[1].indexOf('/'));
      String name = parts[1].substring(parts[1].indexOf('/') + 1);
      changes.add(awaitRecord(endpoints, Topics.RESOURCE_CHANGES,
          (ResourceChanged c) -> kind.equals(c.getKind()) && namespace.equals(c.getNamespace()) && name.equals(c.getName())));
    }
    return changes;
  }

  /**
   * What must come back of the applications in {@code namespaces}, object by object: labels and
   * content, without what an API server assigns (uids, versions, times, status, a Service's cluster
   * IP, a claim's volume) and without a claim's storage class (mapped by restores; compared apart).
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> capture(KubernetesClient client, List<String> namespaces, Predicate<String> named) {
    Map<String, Object> objects = new TreeMap<>();
    for (String ns : namespaces) {
      for (String apiKind : KINDS) {
        int slash = apiKind.lastIndexOf('/');
        for (GenericKubernetesResource r : client.genericKubernetesResources(apiKind.substring(0, slash),
            apiKind.substring(slash + 1)).inNamespace(ns).list().getItems()) {
          if (!named.test(r.getMetadata().getName())) {
            continue;
          }
          Map<String, Object> body = new TreeMap<>(r.getAdditionalProperties());
          body.remove("status");
          Map<String, Object> spec = (Map<String, Object>) body.get("spec");
          if (spec != null) {
            spec = new TreeMap<>(spec);
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
            spec.remove("volumeName");
            spec.remove("storageClassName");
            body.put("spec", spec);
          }
          body.put("labels", Optional.ofNullable(r.getMetadata().getLabels()).map(TreeMap::new).orElse(new TreeMap<>()));
          objects.put(apiKind + " " + ns + "/" + r.getMetadata().getName(), body);
        }
      }
    }
    return objects;
  }

  /** The demo database's table file in namespace {@code ns}, as DemoWorkloads writes it. */
  static byte[] table(String ns) {
    byte[] table = new byte[2 << 20];
    new java.util.Random(ns.hashCode()).nextBytes(table);
    return table;
  }

  /** The value of {@code name=} in a command's printed details. */
  static String detail(CliRun run, String name) {
    return run.out().lines().map(String::trim).filter(l -> l.startsWith(name + "=")).map(l -> l.substring(name.length() + 1))
        .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + run));
  }

  static Map<String, byte[]> files(Path root) throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
        files.put(root.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return files;
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
