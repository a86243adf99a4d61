package dev.lifeboat.replicator;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.ReplicationFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.pack.PackFormat;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Change-log segments, announced by {@code ChangeLogSegmentArchived} events on {@code
 * lifeboat.snapshots}, copied one object at a time and checked against the SHA-256 the event carries.
 * The handler reads the event by field name, so it is given here as a generic record of that schema
 * (the fields the replicator reads).
 */
@LifeboatIntegrationTest
class SegmentReplicationIT {
  private static final Schema TIMESTAMP = LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
  static final Schema SEGMENT_ARCHIVED = SchemaBuilder.record(ReplicationHandler.SEGMENT_ARCHIVED)
      .namespace("dev.lifeboat.events.v1").fields()
      .name("header").type(Header.getClassSchema()).noDefault()
      .requiredString("cluster")
      .requiredInt("partition")
      .name("lastChangeTime").type(TIMESTAMP).noDefault()
      .requiredString("segmentKey")
      .requiredString("segmentSha256")
      .endRecord();

  private final TestStack stack;
  private final String prefix = "segments-" + UUID.randomUUID();
  private final BlobStore primary;
  private final BlobStore offsite;
  private final EventFactory events;
  private final TargetReplication replication;
  private final List<Object[]> outputs = new ArrayList<>();
  private final byte[] config = "{\"format\":2,\"id\":\"segments-test\"}".getBytes(StandardCharsets.UTF_8);

  SegmentReplicationIT(TestStack stack) {
    this.stack = stack;
    this.primary = TestStores.primary(stack, prefix);
    this.offsite = TestStores.offsite(stack, prefix);
    primary.putIfAbsent("config", config);
    this.events = stack.events("replicator");
    this.replication = new TargetReplication("offsite", ReplicationConfig.defaults(), primary, offsite, events,
        new AuditPublisher(null, null, events), new SimpleMeterRegistry(), new Health(Clock.systemUTC()));
  }

  @AfterEach
  void close() {
    replication.close();
  }

  @Test
  void aSegmentIsCopiedByteIdenticalOnceAndItsCopyReported() throws Exception {
    byte[] bytes = segment(1);
    String key = "changelog/test/0/00000000000000000000-00000000000000000099";
    primary.putIfAbsent(key, bytes);

    handle(archived(key, PackFormat.sha256(bytes)));
    handle(archived(key, PackFormat.sha256(bytes)));

    assertThat(offsite.get(key)).contains(bytes);
    assertThat(offsite.get("config")).as("a segment is unreadable without the config's data key").contains(config);
    List<SnapshotReplicated> replicated = outputs(SnapshotReplicated.class);
    assertThat(replicated).hasSize(2).allSatisfy(r -> {
      assertThat(r.getSnapshotId()).isEqualTo(key);
      assertThat(r.getManifestKey()).isEqualTo(key);
      assertThat(r.getKind()).isEqualTo(SnapshotKind.RESOURCES);
      assertThat(r.getTarget()).isEqualTo("test");
    });
    assertThat(replicated.get(0).getObjectsCopied()).as("the config, then the segment").isEqualTo(2);
    assertThat(replicated.get(0).getBytesCopied()).isEqualTo(bytes.length + config.length);
    assertThat(replicated.get(1).getObjectsCopied()).as("the second time both are there already").isZero();
    assertThat(replicated.get(1).getObjectsSkipped()).isEqualTo(2);
  }

  @Test
  void aSegmentThatDoesNotMatchItsChecksumOrIsMissingIsReportedNotCopied() throws Exception {
    byte[] bytes = segment(2);
    String damaged = "changelog/test/1/00000000000000000000-00000000000000000010";
    primary.putIfAbsent(damaged, bytes);
    String missing = "changelog/test/1/00000000000000000011-00000000000000000020";

    handle(archived(damaged, PackFormat.sha256(segment(3))));
    handle(archived(missing, PackFormat.sha256(bytes)));

    assertThat(offsite.stat(damaged)).isEmpty();
    assertThat(outputs(ReplicationFailed.class)).extracting(ReplicationFailed::getObjectKey).containsExactly(damaged, missing);
    assertThat(outputs(ReplicationFailed.class).get(0).getReason()).contains("damaged").contains("SHA-256");
    assertThat(outputs(ReplicationFailed.class).get(1).getReason()).contains("is not in");
  }

  private GenericRecord archived(String key, String sha256) {
    GenericData.Record event = new GenericData.Record(SEGMENT_ARCHIVED);
    event.put("header", events.header(key));
    event.put("cluster", "test");
    event.put("partition", 0);
    event.put("lastChangeTime", Instant.now().minusSeconds(2).toEpochMilli());
    event.put("segmentKey", key);
    event.put("segmentSha256", sha256);
    return event;
  }

  private void handle(GenericRecord event) throws Exception {
    Outputs collect = (topic, key, value) -> outputs.add(new Object[] {topic, key, value});
    replication.worker(Topics.SNAPSHOTS, ReplicatorIT.FAST).handler().handle(new InboundRecord<>(Topics.SNAPSHOTS, 0, 0,
        String.valueOf(event.get("segmentKey")), event, new RecordHeaders(), Instant.now()), collect);
  }

  private <T> List<T> outputs(Class<T> type) {
    return outputs.stream().filter(o -> o[0].equals(Topics.REPLICATIONS) && type.isInstance(o[2])).map(o -> type.cast(o[2]))
        .toList();
  }

  private static byte[] segment(long seed) {
    byte[] bytes = new byte[200_000];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
