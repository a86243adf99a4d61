package dev.lifeboat.watcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.EmbeddedKafka;
import dev.lifeboat.embedded.Ports;
import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka goes away while the watcher publishes: the sink holds at most maxInFlight records, then delivers everything once. */
@LifeboatIntegrationTest
class KafkaRecordSinkIT {
  private static final String TOPIC = "test.sink";

  @TempDir
  Path dir;

  @Test
  void whenTheBrokerIsDownNoMoreThanMaxInFlightRecordsWaitThenEverythingArrivesOnceInOrder(TestStack stack) throws Exception {
    int port = Ports.free();
    EmbeddedKafka broker = EmbeddedKafka.start(dir.resolve("kafka"), port);
    KafkaClients kafka = new KafkaClients(broker.bootstrapServers());
    try (Admin admin = kafka.admin()) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
    }
    AvroSerializer<Object> serializer = new AvroSerializer<>(stack.registry());
    int maxInFlight = 50;
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    try (KafkaRecordSink sink = new KafkaRecordSink(kafka, serializer, maxInFlight, "sink-it", new SimpleMeterRegistry())) {
      for (int i = 0; i < 20; i++) {
        acks.add(sink.send(TOPIC, "k" + i, event(i)));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

      broker.close();
      // With the broker gone, records are taken until maxInFlight wait for acknowledgement; then there is no room.
      int next = 20;
      while (true) {
        var sent = sink.trySend(TOPIC, "k" + next, event(next));
        if (sent.isEmpty()) {
          break;
        }
        acks.add(sent.get());
        next++;
        assertThat(next).as("no more than %d records wait unacknowledged", maxInFlight).isLessThanOrEqualTo(20 + maxInFlight);
      }
      assertThat(sink.inFlight()).isEqualTo(maxInFlight);
      assertThat(sink.awaitRoom(Duration.ZERO)).as("no room while the broker is away").isFalse();

      broker = EmbeddedKafka.start(dir.resolve("kafka"), port);
      for (int i = next; i < 200; i++) {
        acks.add(sink.send(TOPIC, "k" + i, event(i))); // waits for room as acknowledgements come
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } finally {
      broker.close();
    }
    broker = EmbeddedKafka.start(dir.resolve("kafka"), port);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaClients(broker.bootstrapServers()).consumer("check")) {
      TopicPartition tp = new TopicPartition(TOPIC, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      AvroDeserializer<Object> deserializer = new AvroDeserializer<>(stack.registry());
      List<String> subjects = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (subjects.size() < 200 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r ->
            subjects.add(((AuditEvent) deserializer.decode(r.topic(), r.partition(), r.offset(), r.value())).getSubject()));
      }
      Set<String> unique = new HashSet<>(subjects);
      assertThat(subjects).hasSize(200);
      assertThat(unique).hasSize(200);
      List<String> expectedOrder = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        expectedOrder.add("s" + i);
      }
      assertThat(subjects).containsExactlyElementsOf(expectedOrder);
    } finally {
      broker.close();
      Files.deleteIfExists(dir.resolve("unused"));
    }
  }

  private static AuditEvent event(int i) {
    return AuditEvent.newBuilder()
        .setHeader(new dev.lifeboat.audit.EventFactory("it", "sink", java.time.Clock.systemUTC()).header(null))
        .setActor("it").setAction("a").setSubject("s" + i).setOutcome(AuditOutcome.INFO).build();
  }
}
