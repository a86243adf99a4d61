package dev.lifeboat.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.schemas.testing.TestKafkaCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reading a topic to its end on a real broker: transaction markers, aborted records, writes during the read, stalls. */
class TopicReaderIT {
  private static TestKafkaCluster kafka;
  private static Admin admin;

  @BeforeAll
  static void start() throws Exception {
    kafka = TestKafkaCluster.start();
    admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
  }

  @AfterAll
  static void stop() {
    admin.close();
    kafka.close();
  }

  @Test
  void aPartitionWhoseLastOffsetsAreTransactionMarkersAndAnAbortedTransactionIsReadToItsEnd() throws Exception {
    String topic = topic(1);
    try (KafkaProducer<byte[], byte[]> producer = transactionalProducer()) {
      producer.initTransactions();
      producer.beginTransaction();
      for (int i = 0; i < 3; i++) {
        producer.send(record(topic, "committed-" + i));
      }
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(record(topic, "aborted-0"));
      producer.send(record(topic, "aborted-1"));
      producer.flush();
      producer.abortTransaction();
    }
    List<String> read = new ArrayList<>();
    TopicReader.Progress progress;
    try (TopicReader reader = reader()) {
      progress = reader.timeout(Duration.ofSeconds(30)).readToEnd(topic, r -> read.add(value(r.value())));
    }
    // 3 records, a commit marker, 2 aborted records and an abort marker: the last record read is at
    // offset 2, the end offset is 7; a read that waited for a record at end - 1 would never finish.
    assertThat(progress.ends()).containsEntry(new TopicPartition(topic, 0), 7L);
    assertThat(read).containsExactly("committed-0", "committed-1", "committed-2");
    assertThat(progress.records()).isEqualTo(3);
  }

  @Test
  void recordsWrittenAfterTheReadBeganAreNotHandedOverAndEmptyPartitionsEndAtOnce() throws Exception {
    String topic = topic(3);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 4; i++) {
        producer.send(new ProducerRecord<>(topic, 1, null, bytes("before-" + i))).get();
      }
      List<String> read = new ArrayList<>();
      TopicReader.Progress progress;
      try (TopicReader reader = reader()) {
        progress = reader.readToEnd(topic, r -> {
          read.add(value(r.value()));
          if (read.size() == 1) { // written while the read runs: after the end offsets it reads to
            producer.send(new ProducerRecord<>(topic, 1, null, bytes("during"))).get();
            producer.send(new ProducerRecord<>(topic, 0, null, bytes("during"))).get();
          }
        });
      }
      assertThat(read).containsExactly("before-0", "before-1", "before-2", "before-3");
      assertThat(progress.ends()).containsEntry(new TopicPartition(topic, 0), 0L)
          .containsEntry(new TopicPartition(topic, 1), 4L).containsEntry(new TopicPartition(topic, 2), 0L);
    }
  }

  @Test
  void aReadFromGivenOffsetsOrUpToGivenEndsReadsThatRangeAlone() throws Exception {
    String topic = topic(1);
    TopicPartition p = new TopicPartition(topic, 0);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 6; i++) {
        producer.send(record(topic, "r" + i)).get();
      }
    }
    try (TopicReader reader = reader()) {
      List<Long> upTo = new ArrayList<>();
      reader.readUpTo(Map.of(p, 2L), r -> upTo.add(r.offset()));
      List<Long> from = new ArrayList<>();
      reader.readToEnd(Map.of(p, 4L), r -> from.add(r.offset()));
      assertThat(upTo).containsExactly(0L, 1L);
      assertThat(from).containsExactly(4L, 5L);
      assertThat(reader.offsetsAt(List.of(p), java.time.Instant.now().plusSeconds(3600))).containsEntry(p, 6L);
    }
  }

  @Test
  void aReadThatMakesNoProgressEndsWithWhereItStood() throws Exception {
    String topic = topic(1);
    TopicPartition p = new TopicPartition(topic, 0);
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 3; i++) {
        producer.send(record(topic, "r" + i)).get();
      }
    }
    try (TopicReader reader = reader()) {
      reader.stallTimeout(Duration.ofSeconds(1));
      assertThatThrownBy(() -> reader.readUpTo(Map.of(p, 100L), r -> { }))
          .isInstanceOfSatisfying(TopicReadTimeoutException.class, e -> {
            assertThat(e.positions()).containsEntry(p, 3L);
            assertThat(e.ends()).containsEntry(p, 100L);
            assertThat(e).hasMessageContaining("no progress").hasMessageContaining(p + " at 3 of 100");
          });
    }
  }

  @Test
  void aFollowerHandsOverEverythingTheTopicHeldBeforeReadToEndReturnsAndKeepsFollowing() throws Exception {
    String topic = topic(1);
    TopicPartition p = new TopicPartition(topic, 0);
    List<String> applied = new CopyOnWriteArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer();
        TopicFollower follower = TopicFollower.start("test", consumer(), admin, List.of(p),
            r -> applied.add(value(r.value())))) {
      for (int i = 0; i < 3; i++) {
        producer.send(record(topic, "a" + i)).get();
      }
      follower.readToEnd(Duration.ofSeconds(30));
      assertThat(applied).containsExactly("a0", "a1", "a2");
      long next = producer.send(record(topic, "b0")).get().offset() + 1;
      follower.awaitPosition(p, next, Duration.ofSeconds(30));
      assertThat(applied).containsExactly("a0", "a1", "a2", "b0");
      assertThatThrownBy(() -> follower.awaitPosition(p, next + 1, Duration.ofMillis(500)))
          .isInstanceOf(TopicReadTimeoutException.class).hasMessageContaining("(at " + next + ")");
    }
  }

  @Test
  void aRecordWhoseCallbackFailsIsHandedOverAgainNotPassedOver() throws Exception {
    String topic = topic(1);
    TopicPartition p = new TopicPartition(topic, 0);
    List<String> attempts = new CopyOnWriteArrayList<>();
    List<String> applied = new CopyOnWriteArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      for (int i = 0; i < 3; i++) {
        producer.send(record(topic, "r" + i)).get();
      }
    }
    try (TopicFollower follower = TopicFollower.start("test", consumer(), admin, List.of(p), r -> {
      String value = value(r.value());
      attempts.add(value);
      if (value.equals("r1") && attempts.stream().filter("r1"::equals).count() == 1) {
        throw new IllegalStateException("the first attempt at r1 fails");
      }
      applied.add(value);
    })) {
      follower.readToEnd(Duration.ofSeconds(30));
    }
    assertThat(applied).containsExactly("r0", "r1", "r2");
    assertThat(attempts).containsExactly("r0", "r1", "r1", "r2");
  }

  private static String topic(int partitions) throws Exception {
    String name = "reader-" + UUID.randomUUID();
    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    return name;
  }

  private static TopicReader reader() {
    Map<String, Object> props = new HashMap<>();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "ignored"); // open() reads without a group
    return TopicReader.open(props, "a test topic");
  }

  private static KafkaConsumer<byte[], byte[]> consumer() {
    return new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  private static KafkaProducer<byte[], byte[]> transactionalProducer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.TRANSACTIONAL_ID_CONFIG, "reader-it-" + UUID.randomUUID(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, String value) {
    return new ProducerRecord<>(topic, 0, null, bytes(value));
  }

  private static byte[] bytes(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  private static String value(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
