package dev.lifeboat.repository.changelog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.ResourceChanges;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class SegmentStoreTest {
  private final byte[] masterKey = new byte[32];
  private final InMemoryBlobStore blobs = new InMemoryBlobStore("primary");
  private final Repository repository = Repository.openOrCreate(blobs, masterKey, ChunkerParams.DEFAULT, new SimpleMeterRegistry());
  private final SegmentStore segments = SegmentStore.open(repository, masterKey);

  @Test
  void aSegmentIsSealedUnderItsKeyAndDecodesBackToItsRecordsInOrder() {
    ResourceChanged a = ResourceChanges.in("prod").namespace("shop").configMap("a").data("secret-ish-value").added();
    ResourceChanged b = ResourceChanges.in("prod").namespace("shop").configMap("a").data("second").modified();
    SegmentFormat.Builder builder = new SegmentFormat.Builder("prod", "lifeboat.resource-changes", 3);
    builder.add(10, Instant.parse("2026-01-01T00:00:01Z"), "prod/shop//ConfigMap/a", a);
    builder.add(12, Instant.parse("2026-01-01T00:00:02Z"), "prod/shop//ConfigMap/a", b);

    SegmentStore.Written written = segments.write("prod", 3, 10, 12, builder.finish(10, 12));

    assertThat(written.key()).isEqualTo("changelog/prod/00003/00000000000000000010-00000000000000000012");
    assertThat(written.alreadyStored()).isFalse();
    byte[] stored = blobs.get(written.key()).orElseThrow();
    assertThat(ManifestStore.sha256(stored)).isEqualTo(written.sha256());
    assertThat(stored).hasSize((int) written.size());
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("secret-ish-value").doesNotContain("ConfigMap");

    SegmentFormat.Segment segment = SegmentFormat.read(segments.read(written.key()).orElseThrow());
    assertThat(segment.header()).isEqualTo(new SegmentFormat.Header("prod", "lifeboat.resource-changes", 3, 10, 12));
    assertThat(segment.entries()).extracting(ChangeLogEntry::offset).containsExactly(10L, 12L);
    assertThat(segment.entries()).extracting(ChangeLogEntry::partition).containsOnly(3);
    assertThat(segment.entries().get(0).change()).isEqualTo(a);
    assertThat(segment.entries().get(1).change()).isEqualTo(b);
    assertThat(segment.entries().get(1).change().getType()).isEqualTo(ChangeType.MODIFIED);
    assertThat(segment.entries().get(1).timestamp()).isEqualTo(Instant.parse("2026-01-01T00:00:02Z"));
  }

  @Test
  void thePlaintextIsAnAvroContainerFileAnyAvroReaderOpensWithTheEmbeddedSchema() throws Exception {
    SegmentFormat.Builder builder = new SegmentFormat.Builder("prod", "lifeboat.resource-changes", 0);
    builder.add(0, Instant.parse("2026-01-01T00:00:00Z"), "prod/shop//ConfigMap/a",
        ResourceChanges.in("prod").namespace("shop").configMap("a").added());
    byte[] plaintext = builder.finish(0, 0);

    try (DataFileStream<GenericRecord> generic = new DataFileStream<>(new java.io.ByteArrayInputStream(plaintext),
        new GenericDatumReader<>())) {
      assertThat(generic.getSchema().getField("change").schema().getFullName())
          .isEqualTo("dev.lifeboat.events.v1.ResourceChanged");
      assertThat(generic.getMetaString(SegmentFormat.META_CLUSTER)).isEqualTo("prod");
      GenericRecord entry = generic.next();
      assertThat(((GenericRecord) entry.get("change")).get("name").toString()).isEqualTo("a");
    }
  }

  @Test
  void writingAnExistingRangeAgainKeepsTheFirstAndReturnsItsHash() {
    SegmentFormat.Builder builder = new SegmentFormat.Builder("prod", "t", 0);
    builder.add(5, Instant.now(), "prod/shop//ConfigMap/a", ResourceChanges.in("prod").namespace("shop").configMap("a").added());
    SegmentStore.Written first = segments.write("prod", 0, 5, 9, builder.finish(5, 9));
    SegmentStore.Written again = segments.write("prod", 0, 5, 9, builder.finish(5, 9));

    assertThat(again.alreadyStored()).isTrue();
    assertThat(again.sha256()).isEqualTo(first.sha256());
    assertThat(again.key()).isEqualTo(first.key());
  }

  @Test
  void listingIsInOffsetOrderPerPartitionAndIgnoresOtherClusters() {
    byte[] empty = new SegmentFormat.Builder("prod", "t", 0).finish(0, 0);
    segments.write("prod", 1, 100, 199, empty);
    segments.write("prod", 1, 9, 99, empty);
    segments.write("prod", 1, 0, 8, empty);
    segments.write("prod", 0, 0, 5, empty);
    segments.write("prod-2", 1, 0, 5, empty);

    assertThat(segments.list("prod", 1)).extracting(SegmentRef::firstOffset).containsExactly(0L, 9L, 100L);
    assertThat(segments.listAll("prod").keySet()).containsExactly(0, 1);
    assertThat(segments.partitions("prod-2")).containsExactly(1);
  }

  @Test
  void aSegmentCopiedUnderAnotherKeyFailsAuthentication() {
    byte[] plaintext = new SegmentFormat.Builder("prod", "t", 0).finish(0, 3);
    SegmentStore.Written written = segments.write("prod", 0, 0, 3, plaintext);
    String forged = SegmentStore.key("prod", 0, 4, 7);
    blobs.putIfAbsent(forged, blobs.get(written.key()).orElseThrow());

    assertThatThrownBy(() -> segments.read(forged)).isInstanceOf(ChunkCorruptedException.class);
  }

  @Test
  void aSegmentStoreOpenedWithAnotherMasterKeyIsRefused() {
    byte[] other = new byte[32];
    other[0] = 1;
    assertThatThrownBy(() -> SegmentStore.open(repository, other)).hasMessageContaining("master key");
  }
}
