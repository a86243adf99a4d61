package dev.lifeboat.bench;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.RestoreEngine;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.restore.VolumeRestoreReport;
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
 * File-level volume snapshots side by side with restic, same data, same S3 server (a process of its
 * own), same run, in alternating rounds: each round, a full backup of the tree from
 * shared/bench/make-dataset.py into a fresh repository, the same tree after its --mutate 1, and a
 * restore of that into an empty directory, each step by both tools in turn (the order swaps every
 * round); then the tree goes back to its first bytes for the next round. Lifeboat's times are taken
 * inside the running snapshotter (a long-running worker: JVM start is not part of a snapshot) after a
 * warm-up snapshot; restic's are whole commands. Then the data path alone ({@link DataPathBenchmark}).
 *
 * <p>Peak memory: restic's maximum RSS from {@code /usr/bin/time -v}; for Lifeboat the most Java heap
 * in use just after a collection during a full snapshot ({@link HeapUse}).
 */
public final class VolumeBenchmark {
  private static final String KEY = "bench";
  private static final String SECRET = "bench-secret";

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    Path dataset = Path.of(args.length > 1 ? args[1] : "/tmp/lifeboat-bench-dataset");
    int sizeMiB = args.length > 2 ? Integer.parseInt(args[2]) : 2048;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    Path maker = Path.of(args.length > 4 ? args[4] : "../shared/bench/make-dataset.py");
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;
    Path pristine = dataset.resolveSibling(dataset.getFileName() + ".pristine");
    Path work = Files.createTempDirectory("lifeboat-bench-volume-");
    BenchFiles.deleteTree(dataset); // a previous run mutated it: start from the same bytes every time
    BenchFiles.deleteTree(pristine);
    Commands.run(List.of("python3", maker.toString(), dataset.toString(), "--size-mib", Integer.toString(sizeMiB)), Map.of());
    BenchFiles.copyTree(dataset, pristine);
    long treeBytes = BenchFiles.treeSize(dataset);
    String loadBefore = LoadAverage.now();

    Samples ourFull = new Samples("lifeboat");
    Samples resticFull = new Samples("restic");
    Samples ourIncremental = new Samples("lifeboat");
    Samples resticIncremental = new Samples("restic");
    Samples ourRestore = new Samples("lifeboat");
    Samples resticRestore = new Samples("restic");
    ClientServerCpu[] ourCpu = {new ClientServerCpu("lifeboat full"), new ClientServerCpu("lifeboat incremental"),
        new ClientServerCpu("lifeboat restore")};
    ClientServerCpu[] resticCpu = {new ClientServerCpu("restic full"), new ClientServerCpu("restic incremental"),
        new ClientServerCpu("restic restore")};
    long[] ourHeap = {0, 0}; // after collections, peak
    long[] resticRss = {0};
    List<Path> restoredTrees = new ArrayList<>();
    double[] warmUpRestore = {0};
    long[] stored = new long[4]; // files, new chunks, new bytes of the full; new bytes of the incremental
    ExecutorService uploads = Executors.newFixedThreadPool(threads);
    try (S3ServerProcess s3 = S3ServerProcess.start(work.resolve("s3"), KEY, SECRET, "bench")) {
      // a running snapshotter is warm: one snapshot of the tree into a store that discards packs first
      new VolumeSnapshotter(Repository.openOrCreate(new DiscardingBlobStore(), new byte[32], ChunkerParams.DEFAULT,
          new SimpleMeterRegistry()), uploads, Clock.systemUTC()).snapshot(dataset, "bench", "warm-up",
          "20250101T000000Z-000001", b -> {});
      BenchFiles.readAll(dataset);
      for (int r = 1; r <= rounds; r++) {
        int round = r;
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", KEY, "AWS_SECRET_ACCESS_KEY", SECRET,
            "RESTIC_REPOSITORY", "s3:" + s3.endpoint() + "/bench/restic-" + round, "RESTIC_PASSWORD", "bench");
        Commands.run(List.of("restic", "init", "-q"), env);
        BlobStore store = BlobStores.open(new StoreConfig("bench", s3.endpoint(), "bench", "lifeboat-" + round, KEY, SECRET,
            null), new SimpleMeterRegistry());
        Repository repository = Repository.openOrCreate(store, new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
        VolumeSnapshotter snapshotter = new VolumeSnapshotter(repository, uploads, Clock.systemUTC());
        VolumeSnapshotter.Result[] results = new VolumeSnapshotter.Result[2];
        int first = round; // rotates which side goes first in every step
        steps(first, () -> ourCpu[0].measure(s3.pid(), false, () -> {
          try (HeapUse heap = HeapUse.start()) {
            long t0 = System.nanoTime();
            results[0] = snapshotter.snapshot(dataset, "bench", "tree", "20260101T000000Z-00000" + round, b -> {});
            ourFull.add((System.nanoTime() - t0) / 1e9);
            ourHeap[0] = Math.max(ourHeap[0], heap.afterCollectionMiB());
            ourHeap[1] = Math.max(ourHeap[1], heap.peakMiB());
          }
        }), () -> resticCpu[0].measure(s3.pid(), true, () -> {
          Commands.Timed restic = Commands.runMeasured(List.of("restic", "backup", "-q", dataset.toString()), env);
          resticFull.add(restic.seconds());
          resticRss[0] = Math.max(resticRss[0], restic.peakRssMiB());
        }));
        Commands.run(List.of("python3", maker.toString(), dataset.toString(), "--mutate", "1"), Map.of());
        BenchFiles.readAll(dataset);
        steps(first + 1, () -> ourCpu[1].measure(s3.pid(), false, () -> {
          long t0 = System.nanoTime();
          results[1] = snapshotter.snapshot(dataset, "bench", "tree", "20260101T000100Z-00000" + round, b -> {});
          ourIncremental.add((System.nanoTime() - t0) / 1e9);
        }), () -> resticCpu[1].measure(s3.pid(), true,
            () -> resticIncremental.add(Commands.run(List.of("restic", "backup", "-q", dataset.toString()), env))));
        stored[0] = results[0].files();
        stored[1] = results[0].newChunks();
        stored[2] = results[0].newBytes();
        stored[3] = results[1].newBytes();
        RestoreEngine engine = new RestoreEngine(RestoreSource.open(store, new byte[32], new KeyRing("k1",
            Map.of("k1", new byte[32])), new SimpleMeterRegistry()));
        Path ourTarget = work.resolve("restored-lifeboat-" + round);
        Path resticTarget = work.resolve("restored-restic-" + round);
        restoredTrees.add(ourTarget);
        restoredTrees.add(resticTarget);
        if (round == 1) {
          // a running worker is warm: one unreported restore first (its time is reported beside the results)
          Path warmUp = work.resolve("restored-warm-up");
          restoredTrees.add(warmUp);
          long t0 = System.nanoTime();
          engine.restoreVolume(results[1].manifest(), warmUp, Progress.NONE);
          warmUpRestore[0] = (System.nanoTime() - t0) / 1e9;
        }
        steps(first, () -> ourCpu[2].measure(s3.pid(), false, () -> {
          long t0 = System.nanoTime();
          VolumeRestoreReport restored = engine.restoreVolume(results[1].manifest(), ourTarget, Progress.NONE);
          ourRestore.add((System.nanoTime() - t0) / 1e9);
          if (!restored.clean()) {
            throw new IllegalStateException("Lifeboat's restore of round " + round + " is not clean: " + restored);
          }
        }), () -> resticCpu[2].measure(s3.pid(), true, () -> resticRestore.add(Commands.run(List.of("restic", "restore",
            "-q", "latest", "--target", resticTarget.toString()), env))));
        BenchFiles.revert(dataset, pristine); // the next round starts from the same bytes
        System.out.printf("round %d: full %.1f s / %.1f s, incremental %.2f s / %.2f s, restore %.1f s / %.1f s"
                + " (lifeboat / restic)%n", round, last(ourFull), last(resticFull), last(ourIncremental),
            last(resticIncremental), last(ourRestore), last(resticRestore));
      }
    } finally {
      uploads.shutdown();
      // restored trees are removed only now: on this machine's ext4 (no journal), an inode freed in
      // the last minutes is skipped when a new file is created, so restoring right after deleting a
      // tree of 26,000 files costs every file created a scan of them (measured: most of a restore's CPU)
      for (Path tree : restoredTrees) {
        BenchFiles.deleteTree(tree);
      }
    }
    String loadAfter = LoadAverage.now();

    StringBuilder md = new StringBuilder("## volume: file-level snapshot vs restic\n\n");
    md.append("`bench/run volume` (").append(BenchmarkReport.machine()).append("; load average before ").append(loadBefore)
        .append(", after ").append(loadAfter).append("). The same tree (").append(treeBytes >> 20).append(" MiB, ")
        .append(String.format("%,d", stored[0])).append(" files from shared/bench/make-dataset.py, page cache warm) to the"
            + " same S3Proxy server (filesystem backend, a process of its own). ").append(rounds).append(" rounds; in each,"
            + " a full backup into a fresh repository, an incremental one after `--mutate 1` and a restore of that into an"
            + " empty directory, each step by both tools in turn, the order swapped every step. Lifeboat: ").append(threads)
        .append(" upload threads, default chunker (256 KiB/1 MiB/8 MiB), 8 MiB packs, zstd-1, AES-256-GCM, timed inside the"
            + " running process after a warm-up snapshot; its restore checks every file's SHA-256 and syncs every file to disk"
            + " before it returns, and its timed restores follow one unreported restore of the first round's snapshot in the"
            + " same process (").append(String.format("%.1f s", warmUpRestore[0])).append(", JIT compilation included)."
            + " Restored trees are kept until the last round is done (deleting 26,000 files just before a restore makes this"
            + " machine's ext4, which has no journal, pass over the freed inodes on every file it creates). restic (").append(BenchFiles.firstLine(List.of("restic", "version")))
        .append("): defaults, whole commands.\n\n");
    md.append("| step | lifeboat min / median / max | restic min / median / max | lifeboat's speed, ratio of medians | target |\n"
        + "|---|---|---|---|---|\n");
    row(md, "full backup", ourFull, resticFull, treeBytes, 2.0);
    row(md, "incremental after 1% changed", ourIncremental, resticIncremental, 0, 3.0);
    row(md, "restore", ourRestore, resticRestore, treeBytes, 1.5);
    md.append("\nCPU seconds (user + system) per step, median of the rounds: the client (Lifeboat's JVM, or the restic"
        + " command) / the S3 server. Both share the two cores.\n\n| step | lifeboat: client / server | restic: client / server |\n"
        + "|---|---|---|\n");
    String[] stepNames = {"full backup", "incremental after 1% changed", "restore"};
    for (int i = 0; i < stepNames.length; i++) {
      md.append("| ").append(stepNames[i]).append(" | ").append(ourCpu[i].medians()).append(" | ")
          .append(resticCpu[i].medians()).append(" |\n");
    }
    md.append(String.format("%nPeak memory during a full backup: Lifeboat %d MiB of Java heap after collections (peak %d,"
            + " garbage included), restic %s. Lifeboat's full snapshot: %,d new chunks, %,d bytes stored; the incremental"
            + " stored %,d new bytes (%.1f%% of the tree).%n", ourHeap[0], ourHeap[1],
        resticRss[0] < 0 ? "?" : resticRss[0] + " MiB RSS", stored[1], stored[2], stored[3], 100.0 * stored[3] / treeBytes));
    md.append(DataPathBenchmark.run(dataset, treeBytes, rounds, work));
    BenchFiles.deleteTree(work);
    BenchFiles.deleteTree(pristine);
    System.out.print(md);
    BenchmarkReport.write(report, "volume", md.toString());
    System.exit(0); // the S3 client's HTTP threads would keep the JVM up for another minute
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Runs both sides, Lifeboat first when {@code order} is odd. */
  private static void steps(int order, Step ours, Step theirs) throws Exception {
    if (order % 2 == 1) {
      ours.run();
      theirs.run();
    } else {
      theirs.run();
      ours.run();
    }
  }

  private static double last(Samples s) {
    List<Double> v = s.values();
    return v.get(v.size() - 1);
  }

  private static void row(StringBuilder md, String step, Samples ours, Samples theirs, long bytes, double target) {
    double ratio = ours.speedOver(theirs);
    md.append("| ").append(step).append(" | ").append(ours.times())
        .append(bytes > 0 ? " (" + ours.megabytesPerSecond(bytes) + " MB/s)" : "").append(" | ").append(theirs.times())
        .append(bytes > 0 ? " (" + theirs.megabytesPerSecond(bytes) + " MB/s)" : "")
        .append(String.format(" | **%.2f×** | ≥ %.1f×: %s |%n", ratio, target, ratio >= target ? "met" : "not met"));
  }
}
