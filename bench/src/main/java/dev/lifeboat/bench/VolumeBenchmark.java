package dev.lifeboat.bench;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * File-level volume snapshots side by side with restic, same data, same S3 server, same run: a
 * fresh tree from shared/bench/make-dataset.py, then the same tree after its --mutate 1. Lifeboat's
 * times are taken inside the running snapshotter (it is a long-running worker: JVM start is not part
 * of a snapshot); restic's are whole commands. Then the data path alone (read, chunk, hash, compress,
 * encrypt, into a store that discards packs) against single-core {@code openssl dgst -sha256} and
 * {@code zstd -1 -T1} over the same bytes.
 *
 * <p>Peak memory: restic's maximum RSS from {@code /usr/bin/time -v}; for Lifeboat the most Java heap
 * in use just after a collection during the snapshot ({@link HeapUse}; the JVM's RSS also holds the
 * embedded S3 server and the JIT, so it would not compare like with like).
 */
public final class VolumeBenchmark {
  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    Path dataset = Path.of(args.length > 1 ? args[1] : "/tmp/lifeboat-bench-dataset");
    int sizeMiB = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    Path maker = Path.of(args.length > 4 ? args[4] : "../shared/bench/make-dataset.py");
    Path dir = Files.createTempDirectory("lifeboat-bench-s3-");
    BenchFiles.deleteTree(dataset); // a previous run mutated it: start from the same bytes every time
    Commands.run(List.of("python3", maker.toString(), dataset.toString(), "--size-mib", Integer.toString(sizeMiB)), Map.of());
    long treeBytes = treeSize(dataset);
    StringBuilder md = new StringBuilder("## volume: file-level snapshot vs restic\n\n");
    md.append("`bench/run volume` (").append(BenchmarkReport.machine()).append("). The same tree (")
        .append(treeBytes >> 20).append(" MiB from shared/bench/make-dataset.py, page cache warm for both) to the same embedded"
            + " S3Proxy (filesystem backend). Lifeboat: ").append(threads).append(" upload threads, default chunker "
            + "(256 KiB/1 MiB/8 MiB), 8 MiB packs, zstd-1, AES-256-GCM; timed inside the running snapshotter, after a warm-up snapshot of the tree "
            + "into a store that discards (a long-running snapshotter is warm). restic 0.14: "
            + "defaults, whole commands.\n\n"
            + "| tool | full | MB/s | peak memory | incremental after --mutate 1 | new bytes stored |\n|---|---|---|---|---|---|\n");
    double ourFull;
    double ourIncremental;
    double resticFull;
    double resticIncremental;
    try (EmbeddedS3 s3 = EmbeddedS3.start("bench", dir, 0, "bench", "bench-secret", List.of("bench"))) {
      Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", "bench", "AWS_SECRET_ACCESS_KEY", "bench-secret",
          "RESTIC_REPOSITORY", "s3:" + s3.endpoint() + "/bench/restic", "RESTIC_PASSWORD", "bench");
      Commands.run(List.of("restic", "init"), env);
      cat(dataset); // warm the page cache for the first reader
      Commands.Timed restic = Commands.runMeasured(List.of("restic", "backup", "-q", dataset.toString()), env);
      resticFull = restic.seconds();

      Repository repository = Repository.openOrCreate(BlobStores.open(new StoreConfig("bench", s3.endpoint(), "bench", "lifeboat",
          "bench", "bench-secret", null), new SimpleMeterRegistry()), new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
      ExecutorService uploads = Executors.newFixedThreadPool(threads);
      // a running snapshotter is warm: one snapshot of the tree into a store that discards packs first,
      // so the JIT has compiled the chunker, the hashes and AES-GCM (Java 17 takes hundreds of MB)
      new VolumeSnapshotter(Repository.openOrCreate(new DiscardingBlobStore(), new byte[32], ChunkerParams.DEFAULT,
          new SimpleMeterRegistry()), uploads, Clock.systemUTC()).snapshot(dataset, "bench", "warm-up", "20250101T000000Z-000001",
          b -> {});
      VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, uploads, Clock.systemUTC());
      long t0;
      VolumeSnapshotter.Result full;
      String memory;
      try (HeapUse heap = HeapUse.start()) {
        t0 = System.nanoTime();
        full = snapshotter.snapshot(dataset, "bench", "tree", "20260101T000000Z-000001", b -> {});
        ourFull = (System.nanoTime() - t0) / 1e9;
        memory = heap.afterCollectionMiB() + " MiB heap after collections (peak " + heap.peakMiB() + ", before "
            + heap.baselineMiB() + ")";
      }

      Commands.run(List.of("python3", maker.toString(), dataset.toString(), "--mutate", "1"), Map.of());
      Commands.Timed resticAgain = Commands.runMeasured(List.of("restic", "backup", "-q", dataset.toString()), env);
      resticIncremental = resticAgain.seconds();
      t0 = System.nanoTime();
      VolumeSnapshotter.Result incremental = snapshotter.snapshot(dataset, "bench", "tree", "20260101T000100Z-000002", b -> {});
      ourIncremental = (System.nanoTime() - t0) / 1e9;
      uploads.shutdown();

      md.append(String.format("| lifeboat | %.1f s | %.0f | %s | %.2f s | %,d bytes (%.1f%%) |%n", ourFull,
          treeBytes / 1e6 / ourFull, memory, ourIncremental, incremental.newBytes(), 100.0 * incremental.newBytes() / treeBytes));
      md.append(String.format("| restic | %.1f s | %.0f | %s | %.2f s | |%n", resticFull, treeBytes / 1e6 / resticFull,
          restic.rss(), resticIncremental));
      md.append(String.format("%nLifeboat full snapshot: %,d files, %,d new chunks, %,d bytes stored. Full: %.2f× restic's "
              + "throughput (target ≥ 1.5×); incremental: %.2f× restic's speed (target ≥ 2×).%n", full.files(), full.newChunks(),
          full.newBytes(), resticFull / ourFull, resticIncremental / ourIncremental));
    }
    BenchFiles.deleteTree(dir);

    // the data path alone, on the mutated tree (same bytes for all three)
    md.append("\n### data path alone\n\n");
    cat(dataset);
    double sha = shell("find " + dataset + " -type f -print0 | sort -z | xargs -0 cat | openssl dgst -sha256 > /dev/null");
    double zstd = shell("find " + dataset + " -type f -print0 | sort -z | xargs -0 cat | zstd -1 -T1 -c > /dev/null");
    DiscardingBlobStore discarding = new DiscardingBlobStore();
    Repository repository = Repository.openOrCreate(discarding, new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService workers = Executors.newFixedThreadPool(cores);
    VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, workers, Clock.systemUTC());
    snapshotter.snapshot(dataset, "bench", "warm-up", "20260101T000000Z-000001", b -> {}); // JIT warm-up
    repository = Repository.openOrCreate(new DiscardingBlobStore(), new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    snapshotter = new VolumeSnapshotter(repository, workers, Clock.systemUTC());
    long t0 = System.nanoTime();
    snapshotter.snapshot(dataset, "bench", "tree", "20260101T000000Z-000002", b -> {});
    double ours = (System.nanoTime() - t0) / 1e9;
    workers.shutdown();
    double slower = Math.max(sha, zstd);
    md.append(String.format("Read, chunk, SHA-256 + HMAC ids, zstd-1, AES-256-GCM into a store that discards packs, %d threads "
            + "(all cores), vs single-core references over the same %,d bytes piped by `cat`:%n%n| path | time | MB/s |%n|---|---|---|%n"
            + "| lifeboat data path | %.2f s | %.0f |%n| openssl dgst -sha256 | %.2f s | %.0f |%n| zstd -1 -T1 | %.2f s | %.0f |%n%n"
            + "Lifeboat's data path: %.2f× the slower reference (target ≥ 1.4×).%n", cores, treeBytes, ours, treeBytes / 1e6 / ours,
        sha, treeBytes / 1e6 / sha, zstd, treeBytes / 1e6 / zstd, slower / ours));
    System.out.print(md);
    BenchmarkReport.write(report, "volume", md.toString());
    System.exit(0); // the S3 client's HTTP threads would keep the JVM up for another minute
  }

  private static void cat(Path dataset) throws Exception {
    shell("find " + dataset + " -type f -print0 | xargs -0 cat > /dev/null");
  }

  private static double shell(String command) throws Exception {
    return Commands.run(List.of("bash", "-c", "set -o pipefail; " + command), Map.of());
  }

  private static long treeSize(Path root) throws Exception {
    try (var files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (java.io.IOException e) {
          return 0;
        }
      }).sum();
    }
  }
}
