package dev.lifeboat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.ReplicationFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.VerificationRequested;
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
 * The replications topic gained two branches, appended after the two it had: a change-log segment's
 * copy as what it is (ChangeLogSegmentReplicated) and a verification a command asks for
 * (VerificationRequested). Registries that hold the two-branch union accept the new one under
 * BACKWARD, records written with the old union are read with the new one, and the new records round
 * trip.
 */
class ReplicationsUnionEvolutionTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final Schema PREVIOUS =
      Schema.createUnion(SnapshotReplicated.getClassSchema(), ReplicationFailed.getClassSchema());
  private static final Schema CURRENT = TopicCatalog.standard().valueSchema(Topics.REPLICATIONS).orElseThrow();

  static {
    TrustedContract.ensure();
  }

  @Test
  void theNewBranchesComeLastAndTheUnionStaysBackwardCompatible() {
    assertThat(CURRENT.getTypes()).extracting(Schema::getName)
        .containsExactly("SnapshotReplicated", "ReplicationFailed", "ChangeLogSegmentReplicated", "VerificationRequested");
    assertThat(CompatibilityChecker.check(CompatibilityLevel.BACKWARD, CURRENT, List.of(new EarlierVersion(1, PREVIOUS))))
        .isEmpty();
  }

  @Test
  void recordsWrittenWithTheTwoBranchUnionAreReadWithTheCurrentOne() throws IOException {
    SnapshotReplicated replicated = SnapshotReplicated.newBuilder().setHeader(header()).setSnapshotId("s1")
        .setKind(SnapshotKind.ETCD).setTarget("etcd").setStore("dr").setManifestKey("manifests/etcd/etcd/s1")
        .setBytesCopied(10).setObjectsCopied(2).setObjectsSkipped(0).setSnapshotCompletedAt(T).setLagMillis(5)
        .setDurationMillis(3).build();
    ReplicationFailed failed = ReplicationFailed.newBuilder().setHeader(header()).setSnapshotId("s2").setStore("dr")
        .setReason("missing").setRetriable(false).build();

    assertThat(read(PREVIOUS, encode(PREVIOUS, replicated))).isEqualTo(replicated);
    assertThat(read(PREVIOUS, encode(PREVIOUS, failed))).isEqualTo(failed);
  }

  @Test
  void aSegmentCopyAndAVerificationRequestRoundTripThroughTheCurrentUnion() throws IOException {
    ChangeLogSegmentReplicated segment = ChangeLogSegmentReplicated.newBuilder().setHeader(header()).setCluster("prod")
        .setPartition(3).setFirstOffset(100).setLastOffset(199).setLastChangeTime(T).setRecordCount(100)
        .setSegmentKey("changelog/prod/00003/00000000000000000100-00000000000000000199").setSegmentSha256("ab")
        .setStore("dr").setBytesCopied(1234).setObjectsCopied(1).setObjectsSkipped(1).setArchivedAt(T.plusSeconds(1))
        .setLagMillis(40).setDurationMillis(30).build();
    VerificationRequested request = VerificationRequested.newBuilder().setHeader(header()).setRequestId("c1")
        .setRequestedBy("ops").setSnapshotId("20260101T000000Z-abcdef").build();

    assertThat(read(CURRENT, encode(CURRENT, segment))).isEqualTo(segment);
    assertThat(read(CURRENT, encode(CURRENT, request))).isEqualTo(request);
    assertThat(((VerificationRequested) read(CURRENT, encode(CURRENT, request))).getTarget()).isNull();
  }

  private static Object read(Schema writer, byte[] bytes) throws IOException {
    return new SpecificDatumReader<>(writer, CURRENT, SpecificData.getForSchema(CURRENT))
        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
  }

  private static byte[] encode(Schema schema, Object value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema)).write(value, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static Header header() {
    return Header.newBuilder().setEventId("e1").setTime(T).setCluster("prod").setSource("test").build();
  }
}
