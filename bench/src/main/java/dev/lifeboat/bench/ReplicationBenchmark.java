package dev.lifeboat.bench;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.observe.Health;
import dev.lifeboat.replicator.TargetReplication;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.pack.PackFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Replication throughput between two S3 servers on this machine, side by side with {@code rclone
 * copy} of the same objects in the same run, alternating so that neither always runs first. The
 * source holds what a repository holds: packs of 8 MiB (random bytes, named by their SHA-256), an
 * index file per 16 packs, the config and a manifest. Lifeboat copies it as the replicator does for a
 * snapshot (list, diff against the target, copy with the SHA-256 checked by the target store, manifest
 * last), timed inside the running process; rclone is timed as a whole command. Both
 * talk to the same two S3 servers, each a process of its own.
 */
public final class ReplicationBenchmark {
  private static final String KEY = "bench";
  private static final String SECRET = "bench-secret";
  private static final int PACK = 8 << 20;

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    int sizeMiB = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    int parallelism = args.length > 2 ? Integer.parseInt(args[2]) : ReplicationConfig.DEFAULT_PARALLELISM;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Path dir = Files.createTempDirectory("lifeboat-bench-replication-");
    StringBuilder md = new StringBuilder("## replication: off-region copy vs rclone\n\n");
    String loadBefore = LoadAverage.now();
    try (S3ServerProcess sourceServer = S3ServerProcess.start(dir.resolve("source"), KEY, SECRET, "source");
        S3ServerProcess targetServer = S3ServerProcess.start(dir.resolve("target"), KEY, SECRET, "target")) {
      S3BlobStore source = store("primary", sourceServer.endpoint(), "source", "repo");
      Dataset data = write(source, sizeMiB / 8, 1);
      S3BlobStore small = store("primary", sourceServer.endpoint(), "source", "small");
      Dataset smallData = write(small, 8, 2);
      System.out.printf("Source: %,d objects, %,d bytes (load average %s)%n", data.objects(), data.bytes(), loadBefore);
      Map<String, String> env = rcloneEnvironment(sourceServer.endpoint(), targetServer.endpoint());

      // two unreported copies warm the JIT: the replicator is a long-running worker (rclone is native code)
      for (int warm = 1; warm <= 2; warm++) {
        try (TargetReplication replication = replication(source, store("offsite", targetServer.endpoint(), "target",
            "warm-up-" + warm), new ReplicationConfig(parallelism, 0, Optional.empty()))) {
          replication.copySnapshot(data.manifestKey(), data.manifestSha256());
        }
      }
      Samples ours = new Samples("lifeboat");
      Samples theirs = new Samples("rclone");
      CpuSplit ourCpu = new CpuSplit("lifeboat");
      CpuSplit theirCpu = new CpuSplit("rclone");
      long[] peakHeap = {0};
      Samples.alternate(rounds, List.of(round -> {
        resetHeapPeaks();
        S3BlobStore target = store("offsite", targetServer.endpoint(), "target", "lifeboat-" + round);
        try (TargetReplication replication = replication(source, target, new ReplicationConfig(parallelism, 0,
            Optional.empty()))) {
          double[] cpu0 = ourCpu.now(ProcessCpu.self(), sourceServer, targetServer);
          long t0 = System.nanoTime();
          TargetReplication.Copied copied = replication.copySnapshot(data.manifestKey(), data.manifestSha256());
          double seconds = (System.nanoTime() - t0) / 1e9;
          ourCpu.add(cpu0, ourCpu.now(ProcessCpu.self(), sourceServer, targetServer));
          if (copied.objectsCopied() != data.objects()) {
            throw new IllegalStateException("copied " + copied.objectsCopied() + " of " + data.objects() + " objects");
          }
          ours.add(seconds);
          System.out.printf("lifeboat round %d: %.2f s, %.0f MB/s%n", round, seconds, data.bytes() / 1e6 / seconds);
        }
        peakHeap[0] = Math.max(peakHeap[0], heapPeak());
      }, round -> {
        double[] cpu0 = theirCpu.now(ProcessCpu.waitedForChildren(), sourceServer, targetServer);
        double seconds = run(List.of("rclone", "copy", "--transfers", Integer.toString(parallelism), "src:source/repo",
            "dst:target/rclone-" + round), env);
        theirCpu.add(cpu0, theirCpu.now(ProcessCpu.waitedForChildren(), sourceServer, targetServer));
        theirs.add(seconds);
        System.out.printf("rclone round %d: %.2f s, %.0f MB/s%n", round, seconds, data.bytes() / 1e6 / seconds);
      }));

      S3BlobStore limitedTarget = store("offsite", targetServer.endpoint(), "target", "limited");
      long limit = 20_000_000;
      double limited;
      try (TargetReplication replication = replication(small, limitedTarget, new ReplicationConfig(parallelism, limit,
          Optional.empty()))) {
        long t0 = System.nanoTime();
        replication.copySnapshot(smallData.manifestKey(), smallData.manifestSha256());
        limited = (System.nanoTime() - t0) / 1e9;
      }
      String loadAfter = LoadAverage.now();

      md.append("`bench/run replication` (").append(BenchmarkReport.machine()).append("; load average before ")
          .append(loadBefore).append(", after ").append(loadAfter).append("). Two S3Proxy servers (filesystem backend),"
              + " each a process of its own on loopback, serve both sides; the source holds ")
          .append(String.format("%,d", data.objects())).append(" objects, ")
          .append(String.format("%,d", data.bytes() >> 20)).append(" MiB: ").append(data.objects() - 3)
          .append(" packs of 8 MiB, their index files, the config and a manifest. Lifeboat copies them as for a snapshot"
              + " (list, diff, each object streamed to the target store with its SHA-256, which the store checks over what"
              + " arrives; the replicator hashes what it reads too until the target has confirmed a checksum; the manifest"
              + " last), ").append(parallelism)
          .append(" objects at a time, timed inside the running replicator after two unreported copies that warm the JIT; "
              + "`rclone copy` (Debian's ").append(rcloneVersion()).append(") with `--transfers ").append(parallelism)
          .append("` and its defaults (size and MD5/ETag checks), timed as a whole command. ").append(rounds)
          .append(" rounds, alternating which side goes first, each copy to a fresh prefix.\n\n")
          .append("| tool | min / median / max | MB/s at the median |\n|---|---|---|\n");
      for (Samples side : List.of(ours, theirs)) {
        md.append("| ").append(side.name()).append(" | ").append(side.times()).append(" | ")
            .append(side.megabytesPerSecond(data.bytes())).append(" |\n");
      }
      md.append("\nCPU seconds (user + system) each process used during a copy, median of the rounds: the copying"
          + " client (Lifeboat's JVM, or the rclone command) and the two S3 servers. Two cores give at most twice the"
          + " copy's time.\n\n| tool | client | source server | target server | all three | of the copy's time × 2 cores |\n"
          + "|---|---|---|---|---|---|\n");
      for (var side : List.of(Map.entry(ourCpu, ours), Map.entry(theirCpu, theirs))) {
        md.append(side.getKey().row(side.getValue().median()));
      }
      md.append(String.format("%nThe two S3 servers alone used %.2f s of CPU per rclone copy (median), of the %.2f s all three"
          + " used: with the cores this busy, a copier that used no CPU at all would copy at most %.2f× as fast as"
          + " rclone.%n", theirCpu.servers(), theirCpu.all(), theirCpu.all() / theirCpu.servers()));
      double ratio = ours.speedOver(theirs);
      md.append(String.format("%nLifeboat: %.2f× rclone's speed by the ratio of medians (target ≥ 1.2×: %s). Lifeboat's"
              + " peak Java heap in use during its copies: %d MiB. With `bandwidthLimit: 20MB/s` the %d MiB of %,d objects"
              + " took %.1f s: %.1f MB/s.%n", ratio, ratio >= 1.2 ? "met" : "not met", peakHeap[0] >> 20,
          smallData.bytes() >> 20, smallData.objects(), limited, smallData.bytes() / 1e6 / limited));
    }
    BenchFiles.deleteTree(dir);
    System.out.print(md);
    BenchmarkReport.write(report, "replication", md.toString());
    System.exit(0); // idle HTTP threads of the S3 client would keep the JVM up for another minute
  }

  /** CPU seconds of the client and the two servers, round by round. */
  private static final class CpuSplit {
    private final String name;
    private final Samples client;
    private final Samples source;
    private final Samples target;
    private final Samples all;
    private final Samples servers;

    CpuSplit(String name) {
      this.name = name;
      this.client = new Samples(name + " client CPU");
      this.source = new Samples(name + " source server CPU");
      this.target = new Samples(name + " target server CPU");
      this.all = new Samples(name + " CPU");
      this.servers = new Samples(name + " servers' CPU");
    }

    double[] now(double clientSeconds, S3ServerProcess sourceServer, S3ServerProcess targetServer) {
      return new double[] {clientSeconds, ProcessCpu.of(sourceServer.pid()), ProcessCpu.of(targetServer.pid())};
    }

    void add(double[] before, double[] after) {
      double c = after[0] - before[0];
      double s = after[1] - before[1];
      double t = after[2] - before[2];
      client.add(c);
      source.add(s);
      target.add(t);
      all.add(c + s + t);
      servers.add(s + t);
      System.out.printf("%s CPU: client %.2f s, source server %.2f s, target server %.2f s%n", name, c, s, t);
    }

    /** Median CPU seconds of the two servers together, per copy. */
    double servers() {
      return servers.median();
    }

    /** Median CPU seconds of all three processes, per copy. */
    double all() {
      return all.median();
    }

    String row(double copySeconds) {
      return String.format("| %s | %.2f s | %.2f s | %.2f s | %.2f s | %.0f%% |%n", name, client.median(), source.median(),
          target.median(), all.median(), 100 * all.median() / (2 * copySeconds));
    }
  }

  /** The objects of a repository-like prefix and the manifest that closes it. */
  private record Dataset(long objects, long bytes, String manifestKey, String manifestSha256) {}

  /** {@code packs} random packs named by their SHA-256, an index file per 16, a config and a manifest. */
  private static Dataset write(BlobStore store, int packs, long seed) throws Exception {
    ExecutorService writers = Executors.newFixedThreadPool(4);
    List<Future<Long>> puts = new ArrayList<>();
    for (int i = 0; i < packs; i++) {
      long packSeed = seed * 1_000_003 + i;
      puts.add(writers.submit(() -> put(store, "packs/", random(PACK, packSeed), true)));
    }
    int indexFiles = (packs + 15) / 16;
    for (int i = 0; i < indexFiles; i++) {
      long indexSeed = seed * 7_000_003 + i;
      puts.add(writers.submit(() -> put(store, "index/", random(16 * 60 + 4, indexSeed), false)));
    }
    long bytes = 0;
    for (Future<Long> put : puts) {
      bytes += put.get();
    }
    writers.shutdown();
    byte[] config = random(420, seed);
    store.putIfAbsent("config", config);
    byte[] manifest = random(48 << 10, seed + 1);
    String manifestKey = "manifests/volume/bench/20260101T000000Z-00000" + seed;
    store.putIfAbsent(manifestKey, manifest);
    return new Dataset(packs + indexFiles + 2L, bytes + config.length + manifest.length, manifestKey,
        PackFormat.sha256(manifest));
  }

  private static long put(BlobStore store, String prefix, byte[] bytes, boolean fanOut) {
    String name = PackFormat.sha256(bytes);
    store.putIfAbsent(prefix + (fanOut ? name.substring(0, 2) + "/" : "") + name, bytes);
    return bytes.length;
  }

  private static byte[] random(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  private static TargetReplication replication(BlobStore source, BlobStore target, ReplicationConfig settings) {
    EventFactory events = new EventFactory("bench", "replicator", Clock.systemUTC());
    return new TargetReplication("offsite", settings, source, target, events, new AuditPublisher(null, null, events),
        new SimpleMeterRegistry(), new Health(Clock.systemUTC()));
  }

  private static S3BlobStore store(String name, String endpoint, String bucket, String prefix) {
    return new S3BlobStore(new StoreConfig(name, endpoint, bucket, prefix, KEY, SECRET, null));
  }

  private static Map<String, String> rcloneEnvironment(String source, String target) {
    Map<String, String> env = new java.util.HashMap<>();
    for (var remote : Map.of("SRC", source, "DST", target).entrySet()) {
      String p = "RCLONE_CONFIG_" + remote.getKey() + "_";
      env.put(p + "TYPE", "s3");
      env.put(p + "PROVIDER", "Other");
      env.put(p + "ENDPOINT", remote.getValue());
      env.put(p + "ACCESS_KEY_ID", KEY);
      env.put(p + "SECRET_ACCESS_KEY", SECRET);
      env.put(p + "FORCE_PATH_STYLE", "true");
    }
    return env;
  }

  private static String rcloneVersion() throws Exception {
    Process p = new ProcessBuilder("rclone", "version").redirectErrorStream(true).start();
    String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("rclone");
    p.waitFor();
    return first.trim();
  }

  private static void resetHeapPeaks() {
    System.gc();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      pool.resetPeakUsage();
    }
  }

  private static long heapPeak() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  private static double run(List<String> command, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).inheritIO();
    builder.environment().putAll(env);
    builder.environment().remove("AWS_CA_BUNDLE"); // rclone 1.60 fails on it with LoadCustomCABundleError
    long t0 = System.nanoTime();
    Process process = builder.start();
    if (process.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + process.exitValue());
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
