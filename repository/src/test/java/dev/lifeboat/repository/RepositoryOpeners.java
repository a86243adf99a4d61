package dev.lifeboat.repository;

import dev.lifeboat.events.v1.SnapshotKind;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Openers of one empty store, all at once, each then taking a snapshot of its own; and the check that
 * they made one repository whose every snapshot each of them can read.
 */
final class RepositoryOpeners {
  static final int OPENERS = 8;
  static final byte[] MASTER = new byte[32];
  private static final ChunkerParams PARAMS = new ChunkerParams(64, 1024, 4096);

  private RepositoryOpeners() {}

  /** What one opener holds: the repository it opened, the manifest it wrote and the chunks it stored. */
  record Opened(Repository repository, String manifestKey, List<ChunkRef> refs, List<byte[]> content) {}

  /** Opens every store on a thread of its own, released together, and takes one snapshot through each. */
  static List<Opened> openAtOnceAndSnapshot(List<BlobStore> stores) throws Exception {
    CyclicBarrier start = new CyclicBarrier(stores.size());
    ExecutorService pool = Executors.newFixedThreadPool(stores.size());
    try {
      List<Future<Opened>> running = new ArrayList<>();
      for (int i = 0; i < stores.size(); i++) {
        int opener = i;
        running.add(pool.submit(() -> {
          start.await();
          Repository repository = Repository.openOrCreate(stores.get(opener), MASTER, PARAMS, 8 * 1024,
              new SimpleMeterRegistry());
          return snapshot(repository, opener);
        }));
      }
      List<Opened> opened = new ArrayList<>();
      for (Future<Opened> f : running) {
        opened.add(f.get(2, TimeUnit.MINUTES));
      }
      return opened;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Opened snapshot(Repository repository, int opener) {
    Random random = new Random(opener);
    List<ChunkRef> refs = new ArrayList<>();
    List<byte[]> content = new ArrayList<>();
    for (int c = 0; c < 16; c++) {
      byte[] chunk = new byte[1000 + random.nextInt(2000)];
      random.nextBytes(chunk);
      refs.add(repository.chunks().put(chunk).ref());
      content.add(chunk);
    }
    String id = "20260301T00000" + opener + "Z-00000" + opener;
    ManifestStore.Written written = repository.manifests().write(new Manifest(Manifest.FORMAT, id, SnapshotKind.VOLUME,
        "pvc-" + opener, "test", Instant.parse("2026-03-01T00:00:00Z"), null, SnapshotPhase.COMPLETED,
        List.of(new Manifest.Stream("data", 0, "", refs)), null, null));
    return new Opened(repository, written.key(), refs, content);
  }

  /** One config, the one every opener uses, and every opener reads every snapshot to the last byte. */
  static void assertOneRepositoryReadableByAll(BlobStore store, List<Opened> opened) {
    List<String> configs = new ArrayList<>();
    store.list("", info -> {
      if (info.key().equals(Repository.CONFIG)) {
        configs.add(info.key());
      }
    });
    assertThat(configs).hasSize(1);
    String stored = Repository.open(store, MASTER, new SimpleMeterRegistry()).id();
    assertThat(opened).as("every opener uses the repository whose config stayed")
        .allSatisfy(o -> assertThat(o.repository().id()).isEqualTo(stored));
    Repository fresh = Repository.open(store, MASTER, new SimpleMeterRegistry());
    List<Repository> readers = new ArrayList<>(opened.stream().map(Opened::repository).toList());
    readers.add(fresh);
    for (Repository reader : readers) {
      for (Opened writer : opened) {
        assertThat(reader.manifests().read(writer.manifestKey())).as("manifest %s read by %s", writer.manifestKey(),
            reader.id()).isPresent();
        for (int c = 0; c < writer.refs().size(); c++) {
          assertThat(reader.chunks().get(writer.refs().get(c).id())).isEqualTo(writer.content().get(c));
        }
      }
    }
  }
}
