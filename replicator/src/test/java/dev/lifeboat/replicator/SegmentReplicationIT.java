package dev.lifeboat.replicator;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ReplicationFailed;
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
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Change-log segments, announced by {@code ChangeLogSegmentArchived} events on {@code
 * lifeboat.snapshots}, copied one object at a time and checked against the SHA-256 the event carries;
 * each copy is reported as what it is, a {@code ChangeLogSegmentReplicated} carrying the segment's
 * cluster, partition and offsets, never as a snapshot.
 */
@LifeboatIntegrationTest
class SegmentReplicationIT {
  private static final Instant LAST_CHANGE = Instant.parse("2026-01-01T12:00:00Z");

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
    List<ChangeLogSegmentReplicated> replicated = outputs(ChangeLogSegmentReplicated.class);
    assertThat(replicated).hasSize(2).allSatisfy(r -> {
      assertThat(r.getSegmentKey()).isEqualTo(key);
      assertThat(r.getSegmentSha256()).isEqualTo(PackFormat.sha256(bytes));
      assertThat(r.getCluster()).isEqualTo("test");
      assertThat(r.getPartition()).isZero();
      assertThat(r.getFirstOffset()).isZero();
      assertThat(r.getLastOffset()).isEqualTo(99);
      assertThat(r.getRecordCount()).isEqualTo(100);
      assertThat(r.getLastChangeTime()).isEqualTo(LAST_CHANGE);
      assertThat(r.getStore()).isEqualTo("offsite");
    });
    assertThat(outputs.stream().filter(o -> o[0].equals(Topics.REPLICATIONS)).map(o -> o[1]))
        .containsOnly(key + "/offsite");
    assertThat(outputs(SnapshotReplicated.class)).as("a segment is not a snapshot").isEmpty();
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

  @Test
  void aMergedSegmentIsCopiedAndCheckedThenTheCopiesOfTheSegmentsItReplacesAreRemoved() throws Exception {
    String small1 = "changelog/test/2/00000000000000000000-00000000000000000009";
    String small2 = "changelog/test/2/00000000000000000010-00000000000000000019";
    String merged = "changelog/test/2/00000000000000000000-00000000000000000019";
    String later = "changelog/test/2/00000000000000000020-00000000000000000029";
    for (String key : List.of(small1, small2, later)) {
      primary.putIfAbsent(key, segment(key.hashCode()));
      handle(archived(key, PackFormat.sha256(segment(key.hashCode()))));
    }
    byte[] bytes = segment(4);
    primary.putIfAbsent(merged, bytes);
    primary.delete(small1);
    primary.delete(small2);

    handle(ChangeLogSegmentArchived.newBuilder(archived(merged, PackFormat.sha256(bytes))).setReplaces(List.of(small1, small2)).build());

    assertThat(offsite.get(merged)).contains(bytes);
    assertThat(offsite.stat(small1)).isEmpty();
    assertThat(offsite.stat(small2)).isEmpty();
    assertThat(offsite.stat(later)).as("not replaced: kept").isPresent();
    assertThat(outputs(ChangeLogSegmentReplicated.class)).extracting(ChangeLogSegmentReplicated::getSegmentKey)
        .containsExactly(small1, small2, later, merged);
    assertThat(outputs(ReplicationFailed.class)).isEmpty();
  }

  @Test
  void aSegmentMergedAwayBeforeItWasCopiedIsPassedOverAndAMergeNamingAnotherRangeRemovesNothing() throws Exception {
    String small = "changelog/test/3/00000000000000000000-00000000000000000009";
    String merged = "changelog/test/3/00000000000000000000-00000000000000000019";
    String outside = "changelog/test/3/00000000000000000020-00000000000000000029";
    byte[] bytes = segment(5);
    primary.putIfAbsent(merged, bytes);
    primary.putIfAbsent(outside, segment(6));
    handle(archived(outside, PackFormat.sha256(segment(6))));

    handle(archived(small, PackFormat.sha256(segment(7)))); // gone from the primary: merged into `merged`
    assertThat(outputs(ReplicationFailed.class)).as("covered by the merged segment, which is copied on its own event")
        .isEmpty();
    assertThat(offsite.stat(small)).isEmpty();

    handle(ChangeLogSegmentArchived.newBuilder(archived(merged, PackFormat.sha256(bytes))).setReplaces(List.of(small, outside)).build());
    assertThat(offsite.stat(outside)).as("outside the merged range: never removed").isPresent();
    assertThat(outputs(ReplicationFailed.class)).extracting(ReplicationFailed::getReason)
        .singleElement().asString().contains("not a segment within its range");
  }

  /** The event as the archiver writes it: the segment's range is in its fields, not only in its key. */
  private ChangeLogSegmentArchived archived(String key, String sha256) {
    String[] range = key.substring(key.lastIndexOf('/') + 1).split("-");
    long first = Long.parseLong(range[0]);
    long last = Long.parseLong(range[1]);
    return ChangeLogSegmentArchived.newBuilder().setHeader(events.header(key)).setCluster("test")
        .setPartition(Integer.parseInt(key.split("/")[2])).setFirstOffset(first).setLastOffset(last)
        .setFirstChangeTime(LAST_CHANGE.minusSeconds(60)).setLastChangeTime(LAST_CHANGE).setRecordCount(last - first + 1)
        .setSegmentKey(key).setSegmentSha256(sha256).setSize(200_000).setRepository("primary").build();
  }

  private void handle(ChangeLogSegmentArchived event) throws Exception {
    Outputs collect = (topic, key, value) -> outputs.add(new Object[] {topic, key, value});
    replication.worker(Topics.SNAPSHOTS, ReplicatorIT.FAST).handler().handle(new InboundRecord<>(Topics.SNAPSHOTS, 0, 0,
        event.getSegmentKey(), event, new RecordHeaders(), Instant.now()), collect);
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
