package dev.lifeboat.replicator;

import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamReader;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.audit.EventFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real repository in a test's store, with small chunks and 1 MiB packs so that a few MiB make many
 * objects, and snapshots written into it the way the snapshotter writes them.
 */
final class TestRepository implements AutoCloseable {
  static final byte[] MASTER_KEY = new byte[32];
  static final ChunkerParams PARAMS = new ChunkerParams(64 << 10, 128 << 10, 256 << 10);
  static final int PACK_SIZE = 1 << 20;
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final BlobStore store;
  private final Repository repository;
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);
  private final EventFactory events = new EventFactory("test", "snapshotter", Clock.systemUTC());

  TestRepository(BlobStore store) {
    this.store = store;
    this.repository = Repository.openOrCreate(store, MASTER_KEY, PARAMS, PACK_SIZE, new SimpleMeterRegistry());
  }

  BlobStore store() {
    return store;
  }

  /** A snapshot of {@code size} random (incompressible) bytes; the event the snapshotter would publish. */
  SnapshotCompleted snapshot(String target, int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return snapshot(target, data);
  }

  SnapshotCompleted snapshot(String target, byte[] data) {
    Instant started = Instant.now();
    String id = ID_TIME.format(started) + "-" + UUID.randomUUID().toString().substring(0, 8);
    try {
      StreamWriter.Result written = new StreamWriter(repository.chunks(), PARAMS, uploads, 4)
          .write("data", new ByteArrayInputStream(data), n -> {});
      Manifest manifest = new Manifest(Manifest.FORMAT, id, SnapshotKind.ETCD, target, "test", started, null, SnapshotPhase.COMPLETED,
          List.of(written.stream()), null, Map.of());
      ManifestStore.Written stored = repository.manifests().write(manifest);
      return SnapshotCompleted.newBuilder().setHeader(events.header(id)).setSnapshotId(id).setKind(SnapshotKind.ETCD)
          .setTarget(target).setPhase(SnapshotPhase.COMPLETED).setRepository(repository.describe())
          .setManifestKey(stored.key()).setManifestSha256(stored.sha256()).setTotalBytes(data.length)
          .setNewBytes(written.newBytes()).setChunkCount(written.stream().chunks().size()).setNewChunkCount(written.newChunks())
          .setItemCount(1).setStartedAt(started).setDurationMillis(Instant.now().toEpochMilli() - started.toEpochMilli())
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every object of the store (key to size), gc/ and changelog/ aside. */
  static Map<String, Long> objects(BlobStore store) {
    Map<String, Long> objects = new TreeMap<>();
    store.list("", (BlobInfo info) -> {
      if (!info.key().startsWith("gc/")) {
        objects.put(info.key(), info.size());
      }
    });
    return objects;
  }

  /** The stream of {@code event}'s snapshot, read (decrypted, authenticated) from another store holding a copy. */
  static byte[] restore(BlobStore copy, SnapshotCompleted event) {
    Repository repository = Repository.open(copy, MASTER_KEY, new SimpleMeterRegistry());
    Manifest manifest = repository.manifests().read(event.getManifestKey()).orElseThrow();
    try (InputStream in = new StreamReader(repository.chunks(), manifest.streams().get(0))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    uploads.shutdownNow();
  }
}
