package dev.lifeboat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentArchived;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.schemas.registry.CompatibilityChecker.EarlierVersion;
import dev.lifeboat.schemas.serde.TrustedContract;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The snapshots topic gained a third branch (ChangeLogSegmentArchived): registries that hold the
 * two-branch union accept the new one under BACKWARD, and records written with the old union are
 * read with the new one.
 */
class SnapshotsUnionEvolutionTest {
  private static final Schema PREVIOUS =
      Schema.createUnion(SnapshotCompleted.getClassSchema(), SnapshotFailed.getClassSchema());
  private static final Schema CURRENT = TopicCatalog.standard().valueSchema(Topics.SNAPSHOTS).orElseThrow();

  static {
    TrustedContract.ensure();
  }

  @Test
  void addingTheSegmentBranchIsBackwardCompatibleButNotForward() {
    assertThat(CURRENT.getTypes()).extracting(Schema::getName)
        .containsExactly("SnapshotCompleted", "SnapshotFailed", "ChangeLogSegmentArchived");
    assertThat(CompatibilityChecker.check(CompatibilityLevel.BACKWARD, CURRENT, List.of(new EarlierVersion(1, PREVIOUS))))
        .isEmpty();
    // Older readers cannot read the new branch: that is what BACKWARD (the registry's default) allows.
    assertThat(CompatibilityChecker.check(CompatibilityLevel.FORWARD, CURRENT, List.of(new EarlierVersion(1, PREVIOUS))))
        .isNotEmpty();
  }

  @Test
  void aRecordWrittenWithTheTwoBranchUnionIsReadWithTheCurrentOne() throws IOException {
    SnapshotFailed failed = SnapshotFailed.newBuilder().setHeader(header()).setSnapshotId("s1").setKind(SnapshotKind.ETCD)
        .setTarget("etcd").setReason("down").setRetriable(true).setStartedAt(Instant.parse("2026-01-01T00:00:00Z"))
        .setDurationMillis(5).build();
    byte[] bytes = encode(PREVIOUS, failed);

    Object read = new SpecificDatumReader<>(PREVIOUS, CURRENT, SpecificData.getForSchema(CURRENT))
        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));

    assertThat(read).isEqualTo(failed);
  }

  @Test
  void theSegmentEventRoundTripsThroughTheCurrentUnion() throws IOException {
    ChangeLogSegmentArchived archived = ChangeLogSegmentArchived.newBuilder().setHeader(header()).setCluster("prod")
        .setPartition(3).setFirstOffset(100).setLastOffset(199).setFirstChangeTime(Instant.parse("2026-01-01T00:00:00Z"))
        .setLastChangeTime(Instant.parse("2026-01-01T00:00:04Z")).setRecordCount(100)
        .setSegmentKey("changelog/prod/00003/00000000000000000100-00000000000000000199").setSegmentSha256("ab")
        .setSize(1234).setRepository("primary").build();

    Object read = new SpecificDatumReader<>(CURRENT, CURRENT, SpecificData.getForSchema(CURRENT))
        .read(null, DecoderFactory.get().binaryDecoder(encode(CURRENT, archived), null));

    assertThat(read).isEqualTo(archived);
  }

  private static byte[] encode(Schema schema, Object value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema)).write(value, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static Header header() {
    return Header.newBuilder().setEventId("e1").setTime(Instant.parse("2026-01-01T00:00:00Z")).setCluster("prod")
        .setSource("test").build();
  }
}
