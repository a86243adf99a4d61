package dev.lifeboat.schemas.registry;

import static dev.lifeboat.schemas.registry.SchemaEvolution.T;
import static dev.lifeboat.schemas.registry.SchemaEvolution.assertBranchesAppended;
import static dev.lifeboat.schemas.registry.SchemaEvolution.encode;
import static dev.lifeboat.schemas.registry.SchemaEvolution.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ReplicationFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.VerificationRequested;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.Topics;
import java.io.IOException;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * The replications topic gained two branches, appended after the two it had: a change-log segment's
 * copy as what it is (ChangeLogSegmentReplicated) and a verification a command asks for
 * (VerificationRequested). Registries that hold the two-branch union accept the new one under
 * BACKWARD, records written with the old union are read with the new one, and the new records round
 * trip.
 */
class ReplicationsUnionEvolutionTest {
  private static final Schema PREVIOUS =
      Schema.createUnion(SnapshotReplicated.getClassSchema(), ReplicationFailed.getClassSchema());
  private static final Schema CURRENT = TopicCatalog.standard().valueSchema(Topics.REPLICATIONS).orElseThrow();

  @Test
  void theNewBranchesComeLastAndTheUnionStaysBackwardCompatible() {
    assertBranchesAppended(PREVIOUS, CURRENT, "ChangeLogSegmentReplicated", "VerificationRequested");
  }

  @Test
  void recordsWrittenWithTheTwoBranchUnionAreReadWithTheCurrentOne() throws IOException {
    SnapshotReplicated replicated = SnapshotReplicated.newBuilder().setHeader(header("test")).setSnapshotId("s1")
        .setKind(SnapshotKind.ETCD).setTarget("etcd").setStore("dr").setManifestKey("manifests/etcd/etcd/s1")
        .setBytesCopied(10).setObjectsCopied(2).setObjectsSkipped(0).setSnapshotCompletedAt(T).setLagMillis(5)
        .setDurationMillis(3).build();
    ReplicationFailed failed = ReplicationFailed.newBuilder().setHeader(header("test")).setSnapshotId("s2").setStore("dr")
        .setReason("missing").setRetriable(false).build();

    assertThat(read(PREVIOUS, encode(PREVIOUS, replicated))).isEqualTo(replicated);
    assertThat(read(PREVIOUS, encode(PREVIOUS, failed))).isEqualTo(failed);
  }

  @Test
  void aSegmentCopyAndAVerificationRequestRoundTripThroughTheCurrentUnion() throws IOException {
    ChangeLogSegmentReplicated segment = ChangeLogSegmentReplicated.newBuilder().setHeader(header("test")).setCluster("prod")
        .setPartition(3).setFirstOffset(100).setLastOffset(199).setLastChangeTime(T).setRecordCount(100)
        .setSegmentKey("changelog/prod/00003/00000000000000000100-00000000000000000199").setSegmentSha256("ab")
        .setStore("dr").setBytesCopied(1234).setObjectsCopied(1).setObjectsSkipped(1).setArchivedAt(T.plusSeconds(1))
        .setLagMillis(40).setDurationMillis(30).build();
    VerificationRequested request = VerificationRequested.newBuilder().setHeader(header("test")).setRequestId("c1")
        .setRequestedBy("ops").setSnapshotId("20260101T000000Z-abcdef").build();

    assertThat(read(CURRENT, encode(CURRENT, segment))).isEqualTo(segment);
    assertThat(read(CURRENT, encode(CURRENT, request))).isEqualTo(request);
    assertThat(((VerificationRequested) read(CURRENT, encode(CURRENT, request))).getTarget()).isNull();
  }

  private static Object read(Schema writer, byte[] bytes) throws IOException {
    return SchemaEvolution.read(writer, CURRENT, bytes);
  }
}
