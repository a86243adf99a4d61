package dev.lifeboat.bench;

import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The volume data path alone: read, chunk, hash, compress and encrypt the tree into a store that
 * discards packs, on every core, against single-core {@code zstd -1} and {@code openssl dgst -sha256}
 * reading the same bytes from one file in the page cache (so the references measure the tool, not a
 * pipe or 26k opens). Alternating rounds, as every comparison.
 */
final class DataPathBenchmark {
  private DataPathBenchmark() {}

  static String run(Path tree, long treeBytes, int rounds, Path work) throws Exception {
    Path joined = work.resolve("tree.bin");
    BenchFiles.concatenate(tree, joined);
    BenchFiles.readAll(joined);
    BenchFiles.readAll(tree);
    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService workers = Executors.newFixedThreadPool(cores);
    Samples ours = new Samples("lifeboat data path, " + cores + " threads");
    Samples zstd = new Samples("zstd -1 -T1");
    Samples sha = new Samples("openssl dgst -sha256");
    try {
      snapshot(tree, workers, 0); // JIT warm-up
      Samples.alternate(rounds, List.of(
          round -> ours.add(snapshot(tree, workers, round)),
          round -> zstd.add(Commands.run(List.of("bash", "-c", "zstd -q -1 -T1 -c " + joined + " > /dev/null"), Map.of())),
          round -> sha.add(Commands.run(List.of("openssl", "dgst", "-sha256", "-out", "/dev/null", joined.toString()),
              Map.of()))));
    } finally {
      workers.shutdown();
    }
    double ratio = ours.speedOver(zstd);
    StringBuilder md = new StringBuilder("\n### data path alone\n\n");
    md.append(String.format("Read, chunk, SHA-256 + keyed ids, zstd-1, AES-256-GCM into a store that discards packs, on %d"
        + " threads (all cores), from the tree; the references read the same %,d bytes from one file in the page cache, on"
        + " one core. %d rounds, alternating.%n%n| path | min / median / max | MB/s at the median |%n|---|---|---|%n", cores,
        treeBytes, rounds));
    for (Samples s : List.of(ours, zstd, sha)) {
      md.append("| ").append(s.name()).append(" | ").append(s.times()).append(" | ").append(s.megabytesPerSecond(treeBytes))
          .append(" |\n");
    }
    md.append(String.format("%nLifeboat's data path: %.2f× single-core `zstd -1` by the ratio of medians (target ≥ 1.4×: %s).%n",
        ratio, ratio >= 1.4 ? "met" : "not met"));
    return md.toString();
  }

  private static double snapshot(Path tree, ExecutorService workers, int round) throws Exception {
    Repository repository = Repository.openOrCreate(new DiscardingBlobStore(), new byte[32], ChunkerParams.DEFAULT,
        new SimpleMeterRegistry());
    VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, workers, Clock.systemUTC());
    long t0 = System.nanoTime();
    snapshotter.snapshot(tree, "bench", "tree", String.format("20260101T000000Z-%06d", round), b -> {});
    return (System.nanoTime() - t0) / 1e9;
  }
}
