package dev.lifeboat.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.registry.RegistryUnavailableException;
import dev.lifeboat.schemas.registry.SchemaRegistryServer;
import dev.lifeboat.schemas.testing.KafkaClusterExtension;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class AvroSerdeIT {
  @RegisterExtension
  static final KafkaClusterExtension kafka = new KafkaClusterExtension();
  private static SchemaRegistryServer registryServer;
  private static HttpSchemaRegistryClient registry;

  @BeforeAll
  static void start() throws Exception {
    registryServer = SchemaRegistryServer.start(SchemaRegistryServer.Config.of(kafka.bootstrapServers()));
    registry = new HttpSchemaRegistryClient(registryServer.url());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(Topics.AUDIT, 3, (short) 1), new NewTopic(Topics.SNAPSHOTS, 1, (short) 1))).all().get();
    }
  }

  @AfterAll
  static void stop() {
    registryServer.close();
  }

  @Test
  void aFixedAuditEventEncodesToExactlyTheExpectedBytes() {
    try (SchemaRegistryServer fresh = SchemaRegistryServer.start(kafka.registry("_schemas_golden"))) {
      AvroSerializer<Object> serializer = new AvroSerializer<>(new HttpSchemaRegistryClient(fresh.url()));
      AuditEvent event = AuditEvent.newBuilder()
          .setHeader(Header.newBuilder().setEventId("e-1").setTime(Instant.parse("2026-01-01T00:00:00Z"))
              .setCluster("prod").setSource("cli").setCorrelationId("c-1").build())
          .setActor("alice").setAction("command.restore").setSubject("snap-1").setOutcome(AuditOutcome.ACCEPTED)
          .build();

      byte[] bytes = serializer.serialize(Topics.AUDIT, event);

      // magic 00, schema id 00000001 (first schema of a new registry), then Avro binary:
      // "e-1", 1767225600000 ms, "prod", "cli", union branch 1 "c-1", "alice", "command.restore", "snap-1",
      // enum 0, null reason, null progress, empty map
      assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(
          "0000000001" + "06652d31" + "80a0d5edee66" + "0870726f64" + "06636c69" + "0206632d31"
              + "0a616c696365" + "1e636f6d6d616e642e726573746f7265" + "0c736e61702d31" + "00000000");
    }
  }

  @Test
  void valuesRoundTripThroughTheBrokerAndTheRegistry() {
    String topic = Topics.AUDIT;
    List<AuditEvent> sent = new ArrayList<>();
    try (KafkaProducer<String, Object> producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()), new StringSerializer(), new AvroSerializer<>(registry))) {
      for (int i = 0; i < 20; i++) {
        AuditEvent event = audit("corr-" + (i % 4), "action-" + i);
        sent.add(event);
        producer.send(new ProducerRecord<>(topic, "corr-" + (i % 4), event));
      }
    }
    List<Object> received = new ArrayList<>();
    try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(), new AvroDeserializer<>(registry))) {
      assignAll(consumer, topic);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (received.size() < 20 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
      }
    }
    assertThat(received).hasSize(20).allSatisfy(v -> assertThat(v).isInstanceOf(AuditEvent.class));
    assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(registry.subjects()).contains("lifeboat.audit-value");
  }

  @Test
  void aTopicCarryingTwoKindsOfEventUsesOneUnionSubjectAndDecodesEachToItsClass() {
    AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(registry);
    SnapshotCompleted completed = SnapshotCompleted.newBuilder().setHeader(header("s1")).setSnapshotId("s1")
        .setKind(SnapshotKind.ETCD).setTarget("etcd").setPhase(SnapshotPhase.COMPLETED).setRepository("primary/lifeboat")
        .setManifestKey("manifests/s1").setManifestSha256("ab").setTotalBytes(10).setNewBytes(5).setChunkCount(2)
        .setNewChunkCount(1).setItemCount(100).setStartedAt(Instant.parse("2026-01-01T00:00:00Z")).setDurationMillis(30).build();
    SnapshotFailed failed = SnapshotFailed.newBuilder().setHeader(header("s2")).setSnapshotId("s2").setKind(SnapshotKind.VOLUME)
        .setTarget("pvc-1").setReason("node path missing").setRetriable(false)
        .setStartedAt(Instant.parse("2026-01-01T00:00:00Z")).setDurationMillis(3).build();

    byte[] a = serializer.serialize(Topics.SNAPSHOTS, completed);
    byte[] b = serializer.serialize(Topics.SNAPSHOTS, failed);

    assertThat(WireFormat.schemaId(a)).isEqualTo(WireFormat.schemaId(b));
    assertThat(registry.schemaById(WireFormat.schemaId(a)).getType()).isEqualTo(Schema.Type.UNION);
    assertThat(deserializer.decode(Topics.SNAPSHOTS, 0, 0, a)).isEqualTo(completed);
    assertThat(deserializer.decode(Topics.SNAPSHOTS, 0, 1, b)).isEqualTo(failed);
  }

  @Test
  void recordsWrittenWithAnOlderSchemaAreReadWithTheCurrentContract() {
    // The audit schema as it might have been before `details` existed: BACKWARD-compatible evolution.
    Schema current = AuditEvent.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : current.getFields()) {
      if (!f.name().equals("details")) {
        fields.add(new Schema.Field(f, f.schema()));
      }
    }
    Schema older = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    String topic = "test.audit-evolution";
    int olderId = registry.register(Topics.valueSubject(topic), older);
    GenericRecord header = new GenericData.Record(Header.getClassSchema());
    header.put("eventId", "e");
    header.put("time", 1L);
    header.put("cluster", "c");
    header.put("source", "s");
    GenericRecord old = new GenericData.Record(older);
    old.put("header", header);
    old.put("actor", "bob");
    old.put("action", "a");
    old.put("subject", "s");
    old.put("outcome", new GenericData.EnumSymbol(older.getField("outcome").schema(), "INFO"));
    byte[] bytes = new AvroSerializer<>(registry).serialize(topic, old);
    assertThat(WireFormat.schemaId(bytes)).isEqualTo(olderId);

    var reader = new AvroDeserializer<Object>(registry, new dev.lifeboat.schemas.topics.TopicCatalog(List.of(
        new dev.lifeboat.schemas.topics.TopicSpec(topic, "k", current, 1,
            dev.lifeboat.schemas.topics.TopicSpec.CleanupPolicy.DELETE, null, ""))));
    AuditEvent decoded = (AuditEvent) reader.decode(topic, 0, 0, bytes);
    assertThat(decoded.getActor()).isEqualTo("bob");
    assertThat(decoded.getDetails()).isEmpty();
  }

  @Test
  void badBytesGiveAClearErrorNamingTopicPartitionOffsetAndCause() {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(registry);
    byte[] valid = new AvroSerializer<>(registry).serialize(Topics.AUDIT, audit("c", "a"));

    assertThatThrownBy(() -> deserializer.decode(Topics.AUDIT, 2, 17, new byte[] {1, 0, 0, 0, 1, 2}))
        .isInstanceOf(UndecodableRecordException.class)
        .hasMessage("cannot decode record lifeboat.audit-2@17: unknown magic byte 0x01: not the Confluent wire format (which starts with 0x00)");
    assertThatThrownBy(() -> deserializer.decode(Topics.AUDIT, 0, 3, new byte[] {0, 0}))
        .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("lifeboat.audit-0@3").hasMessageContaining("shorter than");
    assertThatThrownBy(() -> deserializer.decode(Topics.AUDIT, 1, 4, new byte[] {0, 0, 0, 0x27, 0x0f, 2}))
        .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("lifeboat.audit-1@4: unknown schema id 9999");
    byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 6);
    assertThatThrownBy(() -> deserializer.decode(Topics.AUDIT, 0, 5, truncated))
        .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("lifeboat.audit-0@5: bytes are not valid Avro for schema id");
    byte[] trailing = java.util.Arrays.copyOf(valid, valid.length + 3);
    assertThatThrownBy(() -> deserializer.decode(Topics.AUDIT, 0, 6, trailing))
        .isInstanceOf(UndecodableRecordException.class).hasMessageContaining("trailing bytes");
  }

  @Test
  void anUnreachableRegistryIsARetriableErrorNamingTheRecord() {
    byte[] valid = new AvroSerializer<>(registry).serialize(Topics.AUDIT, audit("c", "a"));
    AvroDeserializer<Object> offline = new AvroDeserializer<>(new HttpSchemaRegistryClient("http://127.0.0.1:1", Duration.ofSeconds(2)));
    assertThatThrownBy(() -> offline.decode(Topics.AUDIT, 0, 9, valid))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("lifeboat.audit-0@9")
        .hasMessageContaining("schema registry unavailable");
  }

  @Test
  void aPlainKafkaConsumerReportsPartitionAndOffsetOfAnUndecodableRecord() throws Exception {
    String topic = "test.poison-" + UUID.randomUUID();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
        kafka.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, "garbage".getBytes())).get();
    }
    try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(consumerProps(), new StringDeserializer(), new AvroDeserializer<>(registry))) {
      assignAll(consumer, topic);
      assertThatThrownBy(() -> {
        for (int i = 0; i < 100; i++) {
          consumer.poll(Duration.ofMillis(200));
        }
      }).isInstanceOf(RecordDeserializationException.class)
          .satisfies(e -> {
            RecordDeserializationException r = (RecordDeserializationException) e;
            assertThat(r.topicPartition().topic()).isEqualTo(topic);
            assertThat(r.offset()).isZero();
            assertThat(r.getCause()).isInstanceOf(UndecodableRecordException.class).hasMessageContaining("magic byte");
          });
    }
  }

  /** Reads every partition from the start, without a consumer group (the test cluster has no group coordinator topic). */
  private static void assignAll(KafkaConsumer<?, ?> consumer, String topic) {
    var partitions = consumer.partitionsFor(topic).stream()
        .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  private static Map<String, Object> consumerProps() {
    return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.GROUP_ID_CONFIG, "serde-it-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
  }

  private static Header header(String correlation) {
    return Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.parse("2026-01-01T00:00:00Z"))
        .setCluster("prod").setSource("test").setCorrelationId(correlation).build();
  }

  private static AuditEvent audit(String correlation, String action) {
    return AuditEvent.newBuilder().setHeader(header(correlation)).setActor("tester").setAction(action)
        .setSubject("subject").setOutcome(AuditOutcome.INFO).setDetails(Map.of("k", "v")).build();
  }
}
