package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {

  private static final String TOPIC = "lifeboat.test.events";
  private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

  @TempDir Path dataDir;

  @Test
  void topicsRecordsAndCommittedOffsetsSurviveARestartOnTheSameDataDir() throws Exception {
    EmbeddedKafka first = EmbeddedKafka.start(dataDir, 0);
    try {
      try (Admin admin = admin(first)) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)))
            .all()
            .get(30, TimeUnit.SECONDS);
      }
      try (KafkaProducer<String, String> producer = producer(first)) {
        producer
            .send(new ProducerRecord<>(TOPIC, "cluster-a", "snapshot-1"))
            .get(30, TimeUnit.SECONDS);
      }
      try (KafkaConsumer<String, String> consumer = consumer(first, "restart-test")) {
        consumer.subscribe(List.of(TOPIC));
        List<ConsumerRecord<String, String>> records = pollUntilAny(consumer);
        assertThat(records).extracting(ConsumerRecord::value).containsExactly("snapshot-1");
        consumer.commitSync();
      }
    } finally {
      first.close();
    }
    first.close(); // a second close is harmless
    assertThat(Ports.isFree(port(first))).isTrue();

    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0);
        Admin admin = admin(kafka)) {
      Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      assertThat(topics).contains(TOPIC);
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin.listConsumerGroupOffsets("restart-test")
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      assertThat(committed.get(PARTITION).offset()).isEqualTo(1L);

      try (KafkaConsumer<String, String> consumer = consumer(kafka, null)) {
        consumer.assign(List.of(PARTITION));
        consumer.seekToBeginning(List.of(PARTITION));
        assertThat(pollUntilAny(consumer))
            .extracting(ConsumerRecord::key, ConsumerRecord::value)
            .containsExactly(tuple("cluster-a", "snapshot-1"));
      }
    }
  }

  @Test
  void topicsAreNotCreatedAutomatically() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir, 0);
        KafkaConsumer<String, String> consumer = consumer(kafka, null);
        Admin admin = admin(kafka)) {
      try {
        consumer.partitionsFor("no.such.topic", Duration.ofSeconds(1));
      } catch (org.apache.kafka.common.errors.TimeoutException expected) {
        // The broker does not create it, so the metadata never arrives.
      }

      assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
          .doesNotContain("no.such.topic");
    }
  }

  private static List<ConsumerRecord<String, String>> pollUntilAny(
      KafkaConsumer<String, String> consumer) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (records.isEmpty() && System.nanoTime() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    return records;
  }

  private static int port(EmbeddedKafka kafka) {
    String servers = kafka.bootstrapServers();
    return Integer.parseInt(servers.substring(servers.lastIndexOf(':') + 1));
  }

  private static Admin admin(EmbeddedKafka kafka) {
    return Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  private static KafkaProducer<String, String> producer(EmbeddedKafka kafka) {
    return new KafkaProducer<>(
        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
        new StringSerializer(),
        new StringSerializer());
  }

  private static KafkaConsumer<String, String> consumer(EmbeddedKafka kafka, String groupId) {
    Map<String, Object> config =
        new HashMap<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    if (groupId != null) {
      config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    }
    return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
  }
}
