package dev.lifeboat.repository.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.RepositoryDamage;
import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.ResourceChanges;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** {@code lifeboat check} on the real S3 server: a sound repository passes, and each kind of damage is named. */
@LifeboatIntegrationTest
class RepositoryCheckIT {
  private static final byte[] KEY = new byte[32];

  private final TestStack stack;
  private final BlobStore store;
  private final Repository repository;
  private final List<ChunkRef> first;

  RepositoryCheckIT(TestStack stack) throws Exception {
    this.stack = stack;
    this.store = TestStores.primary(stack, "check-" + UUID.randomUUID());
    // small packs, so the repository has several
    this.repository = Repository.openOrCreate(store, KEY, new ChunkerParams(64, 1024, 4096), 8 * 1024, new SimpleMeterRegistry());
    this.first = snapshot("20260101T000000Z-aaaaaa", "pvc-1", 1);
    snapshot("20260101T010000Z-bbbbbb", "pvc-1", 2);
    segment(0, 0, 9);
    segment(0, 10, 19);
    segment(0, 20, 29);
  }

  @Test
  void aSoundRepositoryPassesEveryCheckAndTheCheckChangesNothing() {
    Map<String, Long> before = everything();

    CheckReport report = check(1.0);

    assertThat(report.problems()).isEmpty();
    assertThat(report.clean()).isTrue();
    assertThat(report.snapshots()).isEqualTo(2);
    assertThat(report.segments()).isEqualTo(3);
    assertThat(report.packs()).isGreaterThan(1);
    assertThat(report.packsRead()).isEqualTo(report.packs());
    assertThat(report.contentsHashed()).isEqualTo(2);
    assertThat(report.summary()).contains("2 snapshots", "no problems found");
    assertThat(everything()).isEqualTo(before);
  }

  @Test
  void aFlippedBitInAChunkIsFoundByReadingTheDataAndNamesThePackAndTheSnapshot() {
    RepositoryDamage.corruptChunk(repository, first.get(3).id());

    assertThat(check(0).clean()).as("without reading the data the packs' headers still agree with the index").isTrue();
    CheckReport report = check(1.0);

    assertThat(report.problems()).anySatisfy(p -> assertThat(p.reason()).contains("not to its name"));
    assertThat(report.problems()).anySatisfy(p -> assertThat(p.reason()).contains("1 of its", "do not authenticate", first.get(3).id()));
    assertThat(report.problems()).anySatisfy(p -> {
      assertThat(p.object()).contains("snapshot 20260101T000000Z-aaaaaa (volume/pvc-1)", "stream data");
      assertThat(p.reason()).contains("chunk " + first.get(3).id() + " (in pack ", ") cannot be read");
    });
  }

  @Test
  void aMissingPackIsNamedWithEverySnapshotThatNeedsIt() {
    RepositoryDamage.deletePackOf(repository, first.get(0).id());

    CheckReport report = check(0);

    assertThat(report.problems()).anySatisfy(p -> assertThat(p.reason()).contains("the index lists it", "the store does not hold it"));
    assertThat(report.problems()).anySatisfy(p -> {
      assertThat(p.object()).isEqualTo("snapshot 20260101T000000Z-aaaaaa (volume/pvc-1)");
      assertThat(p.reason()).contains("chunks of stream data are in no pack the store holds");
    });
  }

  @Test
  void aDamagedIndexFileAManifestUnderAnotherKeyAndAGapInTheChangeLogAreEachNamed() {
    String indexFile = keys(IndexFile.PREFIX).get(0);
    byte[] bytes = store.get(indexFile).orElseThrow();
    bytes[bytes.length / 2] ^= 1;
    store.delete(indexFile);
    store.putIfAbsent(indexFile, bytes);
    String manifest = ManifestStore.key(SnapshotKind.VOLUME, "pvc-1", "20260101T000000Z-aaaaaa");
    store.putIfAbsent(ManifestStore.key(SnapshotKind.VOLUME, "pvc-2", "20260101T000000Z-aaaaaa"), store.get(manifest).orElseThrow());
    store.delete(SegmentStore.key("prod", 0, 10, 19));

    CheckReport report = check(0);

    assertThat(report.problems()).anySatisfy(p -> {
      assertThat(p.object()).isEqualTo("index file " + indexFile);
      assertThat(p.reason()).contains("does not open");
    });
    assertThat(report.problems()).anySatisfy(p -> assertThat(p.object()).contains("manifest manifests/volume/pvc-2/"));
    assertThat(report.problems()).anySatisfy(p -> {
      assertThat(p.object()).isEqualTo("change log of prod, partition 0");
      assertThat(p.reason()).contains("offsets 10 to 19 are in no segment");
    });
  }

  @Test
  void aManifestWhoseChunksDoNotMakeTheContentItRecordsIsFoundByHashing() throws Exception {
    List<ChunkRef> swapped = new ArrayList<>(first);
    java.util.Collections.swap(swapped, 0, 1);
    Manifest original = repository.manifests().read(ManifestStore.key(SnapshotKind.VOLUME, "pvc-1", "20260101T000000Z-aaaaaa"))
        .orElseThrow();
    Manifest.Stream stream = original.streams().get(0);
    repository.manifests().write(new Manifest(Manifest.FORMAT, "20260101T020000Z-cccccc", SnapshotKind.VOLUME, "pvc-1", "test",
        Instant.parse("2026-01-01T02:00:00Z"), null, SnapshotPhase.COMPLETED,
        List.of(new Manifest.Stream("data", stream.size(), stream.sha256(), swapped)), null, null));

    CheckReport report = check(1.0);

    assertThat(report.problems()).singleElement().satisfies(p -> {
      assertThat(p.object()).isEqualTo("snapshot 20260101T020000Z-cccccc (volume/pvc-1), stream data");
      assertThat(p.reason()).contains("the manifest records");
    });
  }

  @Test
  void aWrongMasterKeyStopsTheCheckWithAMessage() {
    byte[] wrong = new byte[32];
    wrong[0] = 1;

    assertThatThrownBy(() -> new RepositoryCheck(store, wrong, 0, CheckProgress.NONE).run()).isInstanceOf(RuntimeException.class);
  }

  @Test
  void aPartialReadTakesTheSameSampleEachTimeAndLessThanTheWhole() {
    CheckReport half = check(0.5);
    CheckReport again = check(0.5);

    assertThat(half.clean()).isTrue();
    assertThat(half.packsRead()).isEqualTo(again.packsRead()).isLessThan(half.packs());
  }

  private CheckReport check(double readData) {
    return new RepositoryCheck(store, KEY, readData, CheckProgress.NONE).run();
  }

  /** A volume snapshot of one stream of 20 random chunks. */
  private List<ChunkRef> snapshot(String id, String target, long seed) throws Exception {
    Random random = new Random(seed);
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    List<ChunkRef> refs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      byte[] chunk = new byte[500 + random.nextInt(1500)];
      random.nextBytes(chunk);
      content.write(chunk);
      refs.add(repository.chunks().put(chunk).ref());
    }
    byte[] all = content.toByteArray();
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(all));
    repository.manifests().write(new Manifest(Manifest.FORMAT, id, SnapshotKind.VOLUME, target, "test",
        Instant.parse(id.substring(0, 4) + "-" + id.substring(4, 6) + "-" + id.substring(6, 8) + "T" + id.substring(9, 11) + ":00:00Z"),
        null, SnapshotPhase.COMPLETED, List.of(new Manifest.Stream("data", all.length, sha, refs)), null, null));
    return refs;
  }

  private void segment(int partition, long firstOffset, long lastOffset) {
    SegmentFormat.Builder builder = new SegmentFormat.Builder("prod", "lifeboat.resource-changes", partition);
    for (long o = firstOffset; o <= lastOffset; o += 3) {
      builder.add(o, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(o), "prod/shop//ConfigMap/c" + o,
          ResourceChanges.in("prod").namespace("shop").configMap("c" + o).added());
    }
    SegmentStore.open(repository, KEY).write("prod", partition, firstOffset, lastOffset, builder.finish(firstOffset, lastOffset));
  }

  private List<String> keys(String prefix) {
    List<String> keys = new ArrayList<>();
    store.list(prefix, info -> keys.add(info.key()));
    return keys;
  }

  private Map<String, Long> everything() {
    Map<String, Long> all = new TreeMap<>();
    store.list("", (BlobInfo info) -> all.put(info.key(), info.size()));
    return all;
  }
}
