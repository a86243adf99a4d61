package dev.lifeboat.repository;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A manifest's kind and phase are the contract's enums in code and their names in the stored JSON:
 * manifests written while they were strings still parse, and what is written now reads the same to a
 * reader that takes them as strings.
 */
class ManifestJsonTest {
  /** A manifest as the repository stored it when kind and phase were strings (format 1). */
  private static final String STORED = """
      {"format":1,"snapshotId":"20260101T120000Z-abc123","kind":"VOLUME","target":"pvc-1","cluster":"prod",\
      "createdAt":"2026-01-01T12:00:00Z","phase":"PARTIALLY_FAILED","files":[{"path":".","type":"dir","mode":493,\
      "size":0}],"details":{"method":"files"}}""";

  @Test
  void aManifestStoredWithStringsParsesIntoTheEnums() throws IOException {
    Manifest m = ManifestStore.fromJson(STORED.getBytes(StandardCharsets.UTF_8));

    assertThat(m.kind()).isEqualTo(SnapshotKind.VOLUME);
    assertThat(m.phase()).isEqualTo(SnapshotPhase.PARTIALLY_FAILED);
    assertThat(m.files()).singleElement().satisfies(f -> assertThat(f.path()).isEqualTo("."));
  }

  @Test
  void theStoredFormIsUnchanged() throws IOException {
    Manifest m = ManifestStore.fromJson(STORED.getBytes(StandardCharsets.UTF_8));

    String written = new String(ManifestStore.toJson(m), StandardCharsets.UTF_8);

    assertThat(written).isEqualTo(STORED);
  }

  @Test
  void aManifestWithoutAPhaseParsesWithNone() throws IOException {
    Manifest m = ManifestStore.fromJson("{\"format\":1,\"snapshotId\":\"s\",\"kind\":\"ETCD\",\"target\":\"etcd\"}"
        .getBytes(StandardCharsets.UTF_8));

    assertThat(m.kind()).isEqualTo(SnapshotKind.ETCD);
    assertThat(m.phase()).isNull();
  }

  @Test
  void aKindTheContractDoesNotKnowIsRefusedNotGuessed() {
    assertThatThrownBy(() -> ManifestStore.fromJson("{\"format\":1,\"snapshotId\":\"s\",\"kind\":\"BACKUP\"}"
        .getBytes(StandardCharsets.UTF_8))).isInstanceOf(IOException.class).hasMessageContaining("BACKUP");
  }

  @Test
  void aManifestWrittenAndReadBackKeepsItsKindPhaseAndKey() {
    Repository repository = Repository.openOrCreate(new InMemoryBlobStore("manifests"), new byte[32],
        new ChunkerParams(64, 1024, 4096), new SimpleMeterRegistry());
    Manifest manifest = new Manifest(Manifest.FORMAT, "20260101T120000Z-e7cd00", SnapshotKind.ETCD, "etcd", "prod",
        Instant.parse("2026-01-01T12:00:00Z"), null, SnapshotPhase.COMPLETED, List.of(), null, Map.of("revision", "7"));

    ManifestStore.Written written = repository.manifests().write(manifest);

    assertThat(written.key()).isEqualTo("manifests/etcd/etcd/20260101T120000Z-e7cd00")
        .isEqualTo(ManifestStore.key(SnapshotKind.ETCD, "etcd", manifest.snapshotId()));
    assertThat(repository.manifests().read(written.key())).contains(manifest);
    assertThat(repository.manifests().latest(SnapshotKind.ETCD, "etcd")).contains(manifest);
    assertThat(repository.manifests().list(SnapshotKind.VOLUME, "etcd")).isEmpty();
  }
}
