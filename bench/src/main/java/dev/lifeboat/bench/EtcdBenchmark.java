package dev.lifeboat.bench;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

/**
 * An etcd snapshot streamed into the repository, side by side with the usual cron pipeline, same etcd,
 * same S3 server, same run: {@code etcdctl snapshot save} to a file, then {@code aws s3 cp} of that
 * file. etcd is loaded with KEYS keys of VALUE_BYTES random (incompressible) bytes. Lifeboat's times
 * are taken inside the running snapshotter after a warm-up snapshot of the same etcd into another
 * repository (it is a long-running worker: JVM start and JIT warm-up are not part of a snapshot); the
 * pipeline's are whole commands, process start included, as cron runs them. Then ~1% of the keys get
 * new values and Lifeboat snapshots again into the same repository: what deduplication saves on an
 * etcd database after small changes.
 *
 * <p>Peak memory: the tools' maximum RSS from {@code /usr/bin/time -v}; for Lifeboat the Java heap
 * during the snapshot (the JVM also hosts the embedded S3 server, whose heap is counted too).
 */
public final class EtcdBenchmark {
  private static final String BUCKET = "bench";
  private static final String ACCESS_KEY = "bench";
  private static final String SECRET_KEY = "bench-secret";

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    int keys = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
    int valueBytes = args.length > 2 ? Integer.parseInt(args[2]) : 10_240;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    Path dir = Files.createTempDirectory("lifeboat-bench-etcd-");
    StringBuilder md = new StringBuilder("## etcd: snapshot into the repository vs etcdctl + aws s3 cp\n\n");
    try (EmbeddedEtcd etcd = EmbeddedEtcd.start(dir.resolve("etcd"), 0);
        EmbeddedS3 s3 = EmbeddedS3.start("bench", dir.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY, List.of(BUCKET));
        Client client = Client.builder().endpoints(etcd.endpoints().toArray(String[]::new)).build()) {
      String endpoint = etcd.endpoints().get(0);
      long t0 = System.nanoTime();
      put(client, keys, valueBytes, 1, i -> true);
      double loading = (System.nanoTime() - t0) / 1e9;
      progress(String.format("loaded %,d keys of %,d bytes in %.1f s", keys, valueBytes, loading));

      // the pipeline: etcdctl writes the snapshot to a file, aws s3 cp uploads it
      Path file = dir.resolve("snap.db");
      Commands.Timed save = Commands.runMeasured(List.of("etcdctl", "--endpoints", endpoint, "snapshot", "save",
          file.toString()), Map.of("ETCDCTL_API", "3"));
      long fileSize = Files.size(file);
      Commands.Timed copy = Commands.runMeasured(List.of("aws", "s3", "cp", "--only-show-errors", file.toString(),
          "s3://" + BUCKET + "/aws/snap.db", "--endpoint-url", s3.endpoint()), awsEnvironment());
      Files.delete(file);
      long copied = storedSize(s3, "aws/snap.db");
      if (copied != fileSize) {
        throw new IllegalStateException("aws s3 cp stored " + copied + " bytes of a " + fileSize + "-byte file");
      }
      double pipeline = save.seconds() + copy.seconds();
      progress(String.format("etcdctl snapshot save %.2f s, aws s3 cp %.2f s", save.seconds(), copy.seconds()));

      // Lifeboat: a warm-up snapshot into its own repository, then the measured one into a fresh repository
      ExecutorService uploads = Executors.newFixedThreadPool(threads);
      snapshotter(client, s3, "lifeboat-warm-up", uploads).snapshot("bench", "etcd", "20260101T000000Z-000000", b -> {});
      progress("warm-up snapshot done");
      EtcdSnapshotter snapshotter = snapshotter(client, s3, "lifeboat", uploads);
      EtcdSnapshotter.Result full;
      double ours;
      String memory;
      try (HeapUse heap = HeapUse.start()) {
        t0 = System.nanoTime();
        full = snapshotter.snapshot("bench", "etcd", "20260101T000100Z-000001", b -> {});
        ours = (System.nanoTime() - t0) / 1e9;
        memory = String.format("%d MiB heap peak, %d MiB after collections (%d MiB before)", heap.peakMiB(),
            heap.afterCollectionMiB(), heap.baselineMiB());
      }
      progress(String.format("measured snapshot %.2f s", ours));

      // ~1% of the keys change, then another snapshot into the same repository
      int every = 100;
      put(client, keys, valueBytes, 2, i -> i % every == 0);
      t0 = System.nanoTime();
      EtcdSnapshotter.Result again = snapshotter.snapshot("bench", "etcd", "20260101T000200Z-000002", b -> {});
      double oursAgain = (System.nanoTime() - t0) / 1e9;
      progress(String.format("snapshot after changes %.2f s", oursAgain));

      // the same full snapshot once more, into another fresh repository: how much warmer the JVM has become
      t0 = System.nanoTime();
      EtcdSnapshotter.Result third = snapshotter(client, s3, "lifeboat-again", uploads)
          .snapshot("bench", "etcd", "20260101T000300Z-000003", b -> {});
      double oursThird = (System.nanoTime() - t0) / 1e9;
      uploads.shutdown();
      progress(String.format("third full snapshot %.2f s", oursThird));

      md.append(header(keys, valueBytes, threads, loading, fileSize));
      md.append(String.format("| `etcdctl snapshot save` | %.2f s | %.0f | %s | |%n", save.seconds(),
          fileSize / 1e6 / save.seconds(), save.rss()));
      md.append(String.format("| `aws s3 cp` | %.2f s | %.0f | %s | %,d bytes (the whole file) |%n", copy.seconds(),
          fileSize / 1e6 / copy.seconds(), copy.rss(), copied));
      md.append(String.format("| **etcdctl + aws s3 cp** | **%.2f s** | %.0f | | |%n", pipeline, fileSize / 1e6 / pipeline));
      md.append(String.format("| **lifeboat** (second snapshot in this JVM) | **%.2f s** | %.0f | %s | %,d new chunks, %,d "
          + "bytes |%n", ours, dbSize(full) / 1e6 / ours, memory, full.newChunks(), full.newBytes()));
      md.append(String.format("| lifeboat, after %,d keys (1%%) changed, same repository | %.2f s | %.0f | | %,d new chunks, "
              + "%,d bytes (%.1f%% of the %,d-byte database) |%n", (keys + every - 1) / every, oursAgain,
          dbSize(again) / 1e6 / oursAgain, again.newChunks(), again.newBytes(), 100.0 * again.newBytes() / dbSize(again),
          dbSize(again)));
      md.append(String.format("| lifeboat, the changed database into another fresh repository (fourth snapshot in this JVM) "
          + "| %.2f s | %.0f | | %,d new chunks, %,d bytes |%n", oursThird, dbSize(third) / 1e6 / oursThird, third.newChunks(),
          third.newBytes()));
      md.append(NOTES);
      md.append(String.format("%nLifeboat: %.2f s against %.2f s for etcdctl + aws s3 cp, %.2f× the pipeline's speed: target "
          + "(faster than the pipeline) %s.%n", ours, pipeline, pipeline / ours, ours < pipeline ? "met" : "not met"));
      progress("stopping etcd and S3");
    } finally {
      BenchFiles.deleteTree(dir);
    }
    progress("done");
    System.out.print(md);
    BenchmarkReport.write(report, "etcd", md.toString());
    // The S3 client's idle HTTP dispatcher threads (OkHttp, not daemons) would keep the JVM up for another minute.
    System.exit(0);
  }

  private static final String NOTES = """

      What bounds Lifeboat's memory, whatever the database size: the gRPC messages waiting to be read (at most 64 of \
      etcd's 32 KiB messages, 2 MiB), the chunker's one buffer of a maximum-size chunk (8 MiB), at most 4 chunks being \
      sealed and packed at a time (`EtcdSnapshotter` gives `StreamWriter` 4 pending chunks, so 4 of the 8 upload \
      threads work at once; up to 8 MiB each plus its sealed copy), the open pack (~8 MiB) and the packs uploading (the \
      thread that fills a pack uploads it, so at most 4). The heap figures are the sum of the heap pools' peaks (garbage \
      not yet collected included, so an upper bound) and the most heap in use just after any collection during the \
      snapshot; both include the embedded S3 server sharing the JVM and what the process held before.
      """;

  private static final long STARTED = System.nanoTime();

  private static void progress(String what) {
    System.err.printf("[%6.1f s] %s%n", (System.nanoTime() - STARTED) / 1e9, what);
  }

  private static String header(int keys, int valueBytes, int threads, double loading, long fileSize)
      throws Exception {
    return String.format("`bench/run etcd %d %d` (%s). etcd %s (Debian's etcd-server), one member on 127.0.0.1, loaded "
            + "with %,d keys of %,d random bytes in %.1f s (transactions of puts, four in flight): a snapshot of "
            + "%,d bytes (the database and its SHA-256). One embedded S3Proxy (filesystem backend) in the benchmark's JVM for both. The "
            + "pipeline: `etcdctl snapshot save` to a local file, then `aws s3 cp` of it; whole commands, process start "
            + "included, as cron runs them. Lifeboat: `EtcdSnapshotter` streams the snapshot into a fresh repository, %d "
            + "upload threads, default chunker (256 KiB/1 MiB/8 MiB), 8 MiB packs, zstd-1, AES-256-GCM; timed inside the "
            + "running snapshotter after a warm-up snapshot of the same etcd into another repository (a long-running "
            + "snapshotter is warm; JVM start is not part of a snapshot).%n%n"
            + "| step | time | MB/s | peak memory | stored |%n|---|---|---|---|---|%n",
        keys, valueBytes, BenchmarkReport.machine(), etcdVersion(), keys, valueBytes, loading, fileSize, threads);
  }

  /**
   * Puts a value into every key {@code which} accepts, {@code generation} seeding the values: transactions of puts
   * up to ~1 MiB (etcd's default request limit is 1.5 MiB, 128 operations), four in flight.
   */
  private static void put(Client client, int keys, int valueBytes, int generation, IntPredicate which) throws Exception {
    int perTxn = Math.max(1, Math.min(128, (1 << 20) / (valueBytes + 64)));
    Semaphore inFlight = new Semaphore(4);
    List<CompletableFuture<?>> txns = new java.util.ArrayList<>();
    List<Op> ops = new java.util.ArrayList<>();
    for (int i = 0; i < keys; i++) {
      if (which.test(i)) {
        ops.add(Op.put(key(i), value(generation, i, valueBytes), PutOption.DEFAULT));
      }
      if (ops.size() == perTxn || (i == keys - 1 && !ops.isEmpty())) {
        inFlight.acquire();
        CompletableFuture<?> txn = client.getKVClient().txn().Then(ops.toArray(Op[]::new)).commit();
        txn.whenComplete((ok, error) -> inFlight.release());
        txns.add(txn);
        ops.clear();
      }
    }
    CompletableFuture.allOf(txns.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
  }

  private static ByteSequence key(int i) {
    return ByteSequence.from(String.format("/registry/bench/key-%07d", i), StandardCharsets.UTF_8);
  }

  /** Random bytes, the same for the same generation and key in every run. */
  private static ByteSequence value(int generation, int i, int valueBytes) {
    byte[] value = new byte[valueBytes];
    new SplittableRandom(((long) generation << 32) ^ i).nextBytes(value);
    return ByteSequence.from(value);
  }

  @SuppressWarnings("try") // MinioClient.close() may throw InterruptedException
  private static long storedSize(EmbeddedS3 s3, String key) throws Exception {
    try (MinioClient minio = s3.newClient()) {
      return minio.statObject(StatObjectArgs.builder().bucket(BUCKET).object(key).build()).size();
    }
  }

  private static long dbSize(EtcdSnapshotter.Result result) {
    return Long.parseLong(result.manifest().details().get("dbSize"));
  }

  private static EtcdSnapshotter snapshotter(Client client, EmbeddedS3 s3, String prefix, ExecutorService uploads) {
    Repository repository = Repository.openOrCreate(BlobStores.open(new StoreConfig("bench", s3.endpoint(), BUCKET, prefix,
        ACCESS_KEY, SECRET_KEY, null), new SimpleMeterRegistry()), new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    return new EtcdSnapshotter(client, repository, uploads, Clock.systemUTC());
  }

  /** The aws CLI with the store's key pair only: no profile or config file of the machine's. */
  private static Map<String, String> awsEnvironment() {
    return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY, "AWS_DEFAULT_REGION", "us-east-1",
        "AWS_CONFIG_FILE", "/dev/null", "AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
  }

  private static String etcdVersion() throws Exception {
    Process p = new ProcessBuilder("etcd", "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines().findFirst().map(l -> l.replace("etcd Version: ", "")).orElse("?");
  }
}
