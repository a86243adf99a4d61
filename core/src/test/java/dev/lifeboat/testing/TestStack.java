package dev.lifeboat.testing;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.KafkaBrokers;
import dev.lifeboat.runtime.Bootstrap;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The embedded stack as tests use it: topics created and schemas registered once, plus small
 * conveniences for producing and reading records.
 */
@SuppressWarnings("deprecation") // CloseableResource: still the way to close a root-store value on JUnit 5.13
public final class TestStack implements ExtensionContext.Store.CloseableResource, AutoCloseable {
  private final EmbeddedStack stack;
  private final Path dataDir;
  private final KafkaClients kafka;
  private final SchemaRegistry registry;

  private TestStack(EmbeddedStack stack, Path dataDir) {
    this.stack = stack;
    this.dataDir = dataDir;
    this.kafka = new KafkaClients(stack.bootstrapServers());
    this.registry = new HttpSchemaRegistryClient(stack.registryUrl());
    Bootstrap.prepare(kafka, registry, (short) 1);
  }

  static TestStack start() {
    try {
      Path dir = Files.createTempDirectory("lifeboat-it-");
      // -Ptestcontainers (lifeboat.kafka=testcontainers): the broker image in a container instead of this JVM
      EmbeddedStack.Options options = EmbeddedStack.Options.ephemeral(dir).withKafka(KafkaBrokers.requested());
      return new TestStack(EmbeddedStack.start(options), dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public EmbeddedStack stack() {
    return stack;
  }

  public KafkaClients kafka() {
    return kafka;
  }

  public SchemaRegistry registry() {
    return registry;
  }

  public EventFactory events(String source) {
    return new EventFactory("test", source, Clock.systemUTC());
  }

  /** A new topic with a unique name, so tests sharing the stack never see each other's records. */
  public String newTopic(String prefix, int partitions) {
    String name = "test." + prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    try (Admin admin = kafka.admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create topic " + name, e);
    }
    return name;
  }

  /** Sends raw bytes and waits for the acknowledgement. */
  public void sendRaw(String topic, String key, byte[] value) {
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer("test-raw")) {
      producer.send(new ProducerRecord<>(topic, key == null ? null : key.getBytes(), value)).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot send to " + topic, e);
    }
  }

  /** Encodes an Avro value in the wire format (registering its schema) and sends it. */
  public void send(String topic, String key, Object value) {
    sendRaw(topic, key, new AvroSerializer<>(registry).serialize(topic, value));
  }

  /** Reads a topic from the beginning until {@code until} holds for what was read, or the timeout passes. */
  public List<ConsumerRecord<byte[], byte[]>> readRaw(String topic, Duration timeout,
      Predicate<List<ConsumerRecord<byte[], byte[]>>> until) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(readerProperties())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!until.test(records) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(records::add);
      }
    }
    return records;
  }

  /** Decoded values of a topic, read from the beginning until {@code until} holds or the timeout passes. */
  public <T> List<T> read(String topic, Class<T> type, Duration timeout, Predicate<List<T>> until) {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(registry);
    List<T> values = new ArrayList<>();
    readRaw(topic, timeout, raw -> {
      values.clear();
      for (ConsumerRecord<byte[], byte[]> r : raw) {
        Object v = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
        if (type.isInstance(v)) {
          values.add(type.cast(v));
        }
      }
      return until.test(values);
    });
    return values;
  }

  private Map<String, Object> readerProperties() {
    Map<String, Object> props = kafka.consumerProperties("test-reader-" + UUID.randomUUID());
    props.put("auto.offset.reset", "earliest");
    return props;
  }

  @Override
  public void close() {
    stack.close();
    deleteRecursively(dataDir);
  }

  private static void deleteRecursively(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      // a temp dir left behind is harmless
    }
  }
}
