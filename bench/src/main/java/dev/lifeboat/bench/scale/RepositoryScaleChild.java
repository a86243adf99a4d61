package dev.lifeboat.bench.scale;

import dev.lifeboat.bench.HeapUse;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.gc.GarbageCollector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The processes of {@code bench/run scale repository}, each a JVM of its own so that what is measured
 * shares its heap with nothing else: {@code s3} serves the embedded S3 server (S3Proxy, filesystem
 * backend) until its standard input closes; {@code build} writes a repository through the real
 * {@link Repository} code; {@code index-files} writes a repository of many small index files;
 * {@code open} and {@code gc} are the measured steps ({@code open} opens twice: the first in a fresh process
 * includes loading classes and connecting; the second is the figure). Results are printed as {@code result NAME VALUE}
 * lines for {@link RepositoryScaleBenchmark}.
 */
public final class RepositoryScaleChild {
  static final String KEY = "bench";
  static final String SECRET = "bench-secret";
  /** 32-byte chunks, sealed to 61 bytes: about a thousand chunks a pack of this size. */
  static final int PACK_SIZE = 64 * 1024;
  static final int CHUNK_BYTES = 32;
  /** Snapshots the chunks are spread over; every fifth is deleted before collection. */
  static final int SNAPSHOTS = 100;
  /** Share of a snapshot's chunks it names again from the snapshot before (deduplicated, not stored again). */
  static final double SHARED = 0.01;
  /** Threads that store chunks (the chunk store takes them from several threads, as a snapshotter does). */
  private static final int WRITERS = 4;
  private static final byte[] MASTER_KEY = new byte[32];
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private RepositoryScaleChild() {}

  public static void main(String[] args) {
    try {
      step(args);
    } catch (Throwable e) { // the writers' threads would keep a failed step's JVM alive
      e.printStackTrace();
      System.exit(1);
    }
  }

  private static void step(String[] args) throws Exception {
    switch (args[0]) {
      case "s3" -> serve(Path.of(args[1]), List.of(args[2].split(",")));
      case "build" -> build(args[1], args[2], Long.parseLong(args[3]));
      case "index-files" -> indexFiles(args[1], args[2], Integer.parseInt(args[3]));
      case "open" -> open(args[1], args[2]);
      case "gc" -> collect(args[1], args[2]);
      default -> throw new IllegalArgumentException("unknown step " + args[0]);
    }
    System.out.flush();
    System.exit(0);
  }

  /** One bucket a repository: S3Proxy's filesystem backend lists a prefix by walking the whole bucket. */
  private static void serve(Path dir, List<String> buckets) throws IOException {
    try (EmbeddedS3 s3 = EmbeddedS3.start("scale", dir, 0, KEY, SECRET, buckets)) {
      System.out.println("endpoint " + s3.endpoint());
      System.out.flush();
      while (System.in.read() >= 0) {
        // serves until the benchmark closes our standard input
      }
    }
  }

  /** The repository {@code name}: the bucket of that name (see {@link #serve}). */
  static S3BlobStore store(String endpoint, String name) {
    return new S3BlobStore(new StoreConfig("scale", endpoint, name, "repository", KEY, SECRET, null));
  }

  private static Repository repository(String endpoint, String prefix) {
    return Repository.openOrCreate(store(endpoint, prefix), MASTER_KEY, ChunkerParams.DEFAULT, PACK_SIZE,
        new SimpleMeterRegistry());
  }

  /**
   * {@code chunks} distinct 32-byte chunks over {@link #SNAPSHOTS} snapshots of one target, written in
   * order (as a snapshotter writes them: each snapshot's new chunks packed together); each snapshot also
   * names the first {@link #SHARED} of the previous snapshot's chunks. Then every fifth snapshot's
   * manifest is deleted: its chunks become garbage, except those the next snapshot names.
   */
  private static void build(String endpoint, String prefix, long chunks) throws Exception {
    long started = System.nanoTime();
    Repository repository = repository(endpoint, prefix);
    long perSnapshot = chunks / SNAPSHOTS;
    List<ChunkRef> previous = List.of();
    Instant base = Instant.parse("2026-01-01T00:00:00Z");
    List<String> deleted = new ArrayList<>();
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    for (int s = 0; s < SNAPSHOTS; s++) {
      long count = s == SNAPSHOTS - 1 ? chunks - perSnapshot * (SNAPSHOTS - 1) : perSnapshot;
      List<ChunkRef> refs = new ArrayList<>((int) (count + count * SHARED) + 1);
      refs.addAll(previous.subList(0, (int) (previous.size() * SHARED)));
      ChunkRef[] fresh = new ChunkRef[(int) count];
      long first = s * perSnapshot;
      List<Future<?>> parts = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int from = (int) (count * w / WRITERS);
        int to = (int) (count * (w + 1) / WRITERS);
        parts.add(writers.submit(() -> {
          Random random = new Random(first + from);
          byte[] plain = new byte[CHUNK_BYTES];
          for (int c = from; c < to; c++) {
            random.nextBytes(plain);
            ByteBuffer.wrap(plain).putLong(first + c); // distinct, whatever the random bytes
            fresh[c] = repository.chunks().put(plain.clone()).ref();
          }
        }));
      }
      for (Future<?> part : parts) {
        part.get();
      }
      refs.addAll(Arrays.asList(fresh));
      String id = ID_TIME.format(base.plus(Duration.ofHours(s))) + "-" + String.format("%06x", s);
      Manifest manifest = new Manifest(Manifest.FORMAT, id, SnapshotKind.VOLUME, "scale", "bench", base.plus(Duration.ofHours(s)),
          null, SnapshotPhase.COMPLETED, List.of(new Manifest.Stream("data", count * CHUNK_BYTES, "-", refs)), null,
          Map.of());
      ManifestStore.Written written = repository.manifests().write(manifest);
      if (s % 5 == 0) {
        deleted.add(written.key());
      }
      previous = refs.subList(refs.size() - (int) count, refs.size());
      if (s % 10 == 9) {
        System.err.printf("built %d of %d snapshots, %d chunks indexed%n", s + 1, SNAPSHOTS, repository.chunks().index().size());
      }
    }
    writers.shutdown();
    deleted.forEach(repository.store()::delete);
    result("build.seconds", (System.nanoTime() - started) / 1e9);
    result("build.chunks", repository.chunks().index().size());
    result("build.indexFiles", repository.chunks().indexFiles().size());
    result("build.snapshotsDeleted", deleted.size());
  }

  /** {@code files} index files, each listing one pack of ten chunks: a repository after many small snapshots. */
  private static void indexFiles(String endpoint, String prefix, int files) throws Exception {
    long started = System.nanoTime();
    repository(endpoint, prefix);
    ExecutorService writers = Executors.newFixedThreadPool(8);
    List<Future<?>> parts = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      int from = files * w / 8;
      int to = files * (w + 1) / 8;
      parts.add(writers.submit(() -> {
        Repository repository = repository(endpoint, prefix); // a writer of its own, as separate processes are
        Random random = new Random(from);
        byte[] plain = new byte[CHUNK_BYTES];
        for (int f = from; f < to; f++) {
          for (int c = 0; c < 10; c++) {
            random.nextBytes(plain);
            repository.chunks().put(plain.clone());
          }
          repository.chunks().flush(); // one pack and its index file
        }
      }));
    }
    for (Future<?> part : parts) {
      part.get();
    }
    writers.shutdown();
    result("indexFiles.buildSeconds", (System.nanoTime() - started) / 1e9);
    result("indexFiles.count", repository(endpoint, prefix).chunks().indexFiles().size());
  }

  private static void open(String endpoint, String prefix) {
    S3BlobStore store = store(endpoint, prefix);
    long cold = System.nanoTime();
    Repository.open(store, MASTER_KEY, PACK_SIZE, new SimpleMeterRegistry()); // the process's first: classes, connections
    result("open.coldMillis", (System.nanoTime() - cold) / 1e6);
    try (HeapUse heap = HeapUse.start()) {
      long started = System.nanoTime();
      Repository repository = Repository.open(store, MASTER_KEY, PACK_SIZE, new SimpleMeterRegistry());
      result("open.millis", (System.nanoTime() - started) / 1e6);
      result("open.chunks", repository.chunks().index().size());
      result("open.indexFiles", repository.chunks().indexFiles().size());
      result("open.peakMiB", heap.peakMiB());
      result("open.retainedMiB", heap.afterCollectionMiB());
      result("open.baselineMiB", heap.baselineMiB());
      result("open.liveMiB", HeapUse.liveMiB());
      java.lang.ref.Reference.reachabilityFence(repository);
    }
  }

  /**
   * Two collections, as a repository sees them hours apart: the first plans the unreferenced chunks,
   * the second (past the safety delay) deletes them. Their clocks are set ahead so that packs written
   * minutes ago count as older than the delay.
   */
  private static void collect(String endpoint, String prefix) {
    S3BlobStore store = store(endpoint, prefix);
    RetentionConfig keepAll = new RetentionConfig(100_000, 0, 0, 0, 0, Duration.ofHours(6), Duration.ofHours(1));
    Instant now = Instant.now();
    try (HeapUse heap = HeapUse.start()) {
      long started = System.nanoTime();
      Repository repository = Repository.open(store, MASTER_KEY, PACK_SIZE, new SimpleMeterRegistry());
      result("gc.openMillis", (System.nanoTime() - started) / 1e6);
      result("gc.chunks", repository.chunks().index().size());
      for (String phase : List.of("plan", "sweep")) {
        Instant at = now.plus(Duration.ofHours(phase.equals("plan") ? 2 : 4));
        GarbageCollector.Report report = new GarbageCollector(repository, keepAll, Clock.fixed(at, ZoneOffset.UTC))
            .run(step -> System.err.println(phase + ": " + step));
        result("gc." + phase + ".millis", report.durationMillis());
        result("gc." + phase + ".chunksLive", report.chunksLive());
        result("gc." + phase + ".chunksPlanned", report.chunksPlanned());
        result("gc." + phase + ".chunksDeleted", report.chunksDeleted());
        result("gc." + phase + ".packsDeleted", report.packsDeleted());
        result("gc." + phase + ".packsRewritten", report.packsRewritten());
      }
      result("gc.chunksAfter", repository.chunks().index().size());
      result("gc.indexFilesAfter", repository.chunks().indexFiles().size());
      result("gc.peakMiB", heap.peakMiB());
      result("gc.retainedMiB", heap.afterCollectionMiB());
      result("gc.baselineMiB", heap.baselineMiB());
      result("gc.liveAfterMiB", HeapUse.liveMiB());
      java.lang.ref.Reference.reachabilityFence(repository);
    }
  }

  private static void result(String name, double value) {
    System.out.println("result " + name + " " + value);
    System.out.flush();
  }
}
