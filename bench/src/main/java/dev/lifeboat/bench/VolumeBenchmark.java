package dev.lifeboat.bench;

import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * File-level volume snapshots side by side with restic, same data, same S3 server, same run: the
 * tree that shared/bench/make-dataset.py makes, then the same tree after its --mutate 1. Lifeboat's
 * times are taken inside the running snapshotter (it is a long-running worker: JVM start is not part
 * of a snapshot); restic's are whole commands. Peak memory: restic's maximum RSS from /usr/bin/time
 * when present; the JVM's heap in use after the snapshot for Lifeboat.
 */
public final class VolumeBenchmark {
  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    Path dataset = Path.of(args.length > 1 ? args[1] : "/tmp/lifeboat-bench-dataset");
    int sizeMiB = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    Path maker = Path.of(args.length > 4 ? args[4] : "../shared/bench/make-dataset.py");
    Path dir = Files.createTempDirectory("lifeboat-bench-s3-");
    if (!Files.exists(dataset)) {
      run(List.of("python3", maker.toString(), dataset.toString(), "--size-mib", Integer.toString(sizeMiB)), Map.of());
    }
    long treeBytes = treeSize(dataset);
    StringBuilder md = new StringBuilder("## volume: file-level snapshot vs restic\n\n");
    md.append("`bench/run volume` (").append(BenchmarkReport.machine()).append("). The same tree (")
        .append(treeBytes >> 20).append(" MiB from shared/bench/make-dataset.py) to the same embedded S3Proxy (filesystem backend). ")
        .append("Lifeboat: ").append(threads).append(" upload threads, default chunker (256 KiB/1 MiB/8 MiB), zstd-1, AES-256-GCM. ")
        .append("restic 0.14: defaults.\n\n| tool | full | MB/s | incremental after --mutate 1 | new bytes stored |\n|---|---|---|---|---|\n");
    try (EmbeddedS3 s3 = EmbeddedS3.start("bench", dir, 0, "bench", "bench-secret", List.of("bench"))) {
      Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", "bench", "AWS_SECRET_ACCESS_KEY", "bench-secret",
          "RESTIC_REPOSITORY", "s3:" + s3.endpoint() + "/bench/restic", "RESTIC_PASSWORD", "bench");
      run(List.of("restic", "init"), env);
      double resticFull = run(List.of("restic", "backup", "-q", dataset.toString()), env);

      Repository repository = Repository.openOrCreate(BlobStores.open(new StoreConfig("bench", s3.endpoint(), "bench", "lifeboat",
          "bench", "bench-secret", null), new SimpleMeterRegistry()), new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
      ExecutorService uploads = Executors.newFixedThreadPool(threads);
      VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, uploads, Clock.systemUTC());
      long t0 = System.nanoTime();
      VolumeSnapshotter.Result full = snapshotter.snapshot(dataset, "bench", "tree", "20260101T000000Z-000001", b -> {});
      double ourFull = (System.nanoTime() - t0) / 1e9;

      run(List.of("python3", maker.toString(), dataset.toString(), "--mutate", "1"), Map.of());
      double resticIncremental = run(List.of("restic", "backup", "-q", dataset.toString()), env);
      t0 = System.nanoTime();
      VolumeSnapshotter.Result incremental = snapshotter.snapshot(dataset, "bench", "tree", "20260101T000100Z-000002", b -> {});
      double ourIncremental = (System.nanoTime() - t0) / 1e9;
      uploads.shutdown();

      md.append(String.format("| lifeboat | %.1f s | %.0f | %.2f s | %,d bytes (%.1f%%) |%n", ourFull, treeBytes / 1e6 / ourFull,
          ourIncremental, incremental.newBytes(), 100.0 * incremental.newBytes() / treeBytes));
      md.append(String.format("| restic | %.1f s | %.0f | %.2f s | |%n", resticFull, treeBytes / 1e6 / resticFull, resticIncremental));
      md.append(String.format("%nLifeboat full snapshot: %,d files, %,d new chunks, %,d bytes stored.%n", full.files(), full.newChunks(),
          full.newBytes()));
    }
    System.out.print(md);
    BenchmarkReport.write(report, "volume", md.toString());
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

  /** Runs a command to its end; returns its wall time in seconds. */
  private static double run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).inheritIO();
    builder.environment().putAll(env);
    long t0 = System.nanoTime();
    Process process = builder.start();
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + process.exitValue());
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
