package dev.lifeboat.bench;

import dev.lifeboat.cli.LifeboatProcess;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatConfig.ClusterConfig;
import dev.lifeboat.config.LifeboatConfig.KafkaConfig;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.config.LifeboatConfig.RegistryConfig;
import dev.lifeboat.config.LifeboatConfig.StatusConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.LifeboatConfig.StoresConfig;
import dev.lifeboat.config.RepositoryConfig;
import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import dev.lifeboat.snapshotter.resources.ChangeLogArchiver;
import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.embedded.Ports;
import dev.lifeboat.repository.blob.S3BlobStore;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.runtime.KafkaClients;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * End-to-end recovery point for resources: from a change made through the Kubernetes API to the
 * change-log segment holding it being readable (listed, fetched, authenticated and decoded) in the
 * off-region store. One Lifeboat process runs every worker with its defaults, as {@code lifeboat
 * run} would, against the embedded stack; a steady load of config map updates goes through the API,
 * and a reader polls both stores every {@value #POLL_MILLIS} ms, decoding each new segment and
 * matching its entries to the changes by name and resourceVersion. The time on the primary store
 * is reported too, so the total splits into archiving and replication. Each rate runs on a fresh
 * stack; the change-log segment objects in each store are counted when the measured load starts and
 * when it has all arrived, and their growth is extrapolated to a day (labelled so in the report).
 *
 * <p>Arguments: the report file, rates (changes/s, comma-separated), seconds per rate (one, or one per
 * rate), {@code snapshotter.changelogEvery}.
 */
public final class RpoBenchmark {
  private static final String CLUSTER = "bench";
  private static final String NAMESPACE = "rpo";
  private static final int OBJECTS = 100;
  private static final long POLL_MILLIS = 100;
  /** Divides {@link #OBJECTS}: each client thread updates its own tenth of the objects, so no two race on one. */
  private static final int DRIVERS = 10;
  /** How long the merges are given to settle after the load, at most. */
  private static final Duration SETTLE_LIMIT = Duration.ofMinutes(3);
  private static final Duration WARM_UP = Duration.ofSeconds(20);

  /** A change made through the API: when the request was sent. */
  private record Change(String key, long sentNanos) {}

  /** What one rate came to. */
  private record Run(int rate, int seconds, int changes, int warmUp, Latencies toPrimary, Latencies toOffsite,
      SegmentCounts objects, double achieved) {}

  /**
   * Segment objects of each store: when the measured load started, when its last change was readable
   * off-region, and once the merges settled after it; the seconds of changes they hold (warm-up and
   * measured load), the seconds waited for the merges, the largest segment, and the reader's polls.
   */
  private record SegmentCounts(int primaryStart, int offsiteStart, int primaryEnd, int offsiteEnd, int primarySettled,
      int offsiteSettled, double changeSeconds, double settleSeconds, long largestBytes, long settledBytes,
      double pollMillisMean, double pollMillisMax) {
    /** Segments after the merges settled, per second of changes they hold, scaled linearly to a day. */
    static double perDay(int settled, double changeSeconds) {
      return settled / changeSeconds * 86_400;
    }

    /**
     * A day's bytes at the measured rate in merged segments that stopped growing (each more than half
     * the merge target: none of them can take as much again), plus the segments still growing at the end.
     */
    double perDayByBytes() {
      return settledBytes / changeSeconds * 86_400 / (ChangeLogArchiver.DEFAULT_MERGE_TARGET_BYTES / 2.0) + primarySettled;
    }
  }

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    int[] rates = ints(args.length > 1 ? args[1] : "20");
    int[] seconds = ints(args.length > 2 ? args[2] : "120");
    Duration changelogEvery = args.length > 3 ? Duration.parse("PT" + args[3].toUpperCase()) : Duration.ofSeconds(1);
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < rates.length; i++) {
      runs.add(measure(rates[i], seconds[Math.min(i, seconds.length - 1)], changelogEvery, load));
    }
    String after = Files.readString(Path.of("/proc/loadavg")).trim();
    StringBuilder md = new StringBuilder("## rpo: a change in the cluster to its segment readable off-region\n\n");
    md.append("`bench/run rpo ").append(String.join(",", Arrays.stream(rates).mapToObj(Integer::toString).toList()))
        .append(' ').append(String.join(",", Arrays.stream(seconds).mapToObj(Integer::toString).toList())).append(' ')
        .append(format(changelogEvery)).append("` (").append(BenchmarkReport.machine())
        .append("; load average before the runs: ").append(load).append(", after: ").append(after)
        .append("). For each rate, one Lifeboat process with every worker (watcher, snapshotter, replicator, verifier)"
            + " at its defaults, `snapshotter.changelogEvery: ").append(format(changelogEvery)).append("`, against a"
            + " fresh embedded stack (Kafka, schema registry, two S3Proxy servers, the local Kubernetes API) in the same"
            + " JVM. ")
        .append(String.format("%d config maps in one namespace are updated in turn (by %d client threads) at a steady"
            + " rate, after %d s of the same load unreported. The clock starts when the update is sent to the API and"
            + " stops when a reader, listing each store every %d ms, has fetched, authenticated and decoded the segment"
            + " holding that resourceVersion; the polling adds up to %d ms plus the time a poll takes (below).%n%n",
            OBJECTS, DRIVERS, WARM_UP.toSeconds(), POLL_MILLIS, POLL_MILLIS))
        .append("| changes/s | readable in | changes seen | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|---|\n");
    for (Run run : runs) {
      md.append(run.toPrimary().row(run.rate(), "primary store")).append(run.toOffsite().row(run.rate(), "off-region store"));
    }
    md.append("\nSegment objects of the change log (`changelog/`), counted by listing each store when the measured load"
        + " started, when its last change was readable off-region, and once the merges had settled after the load (no"
        + " merge left to make: the count stopped changing for a merge round). Per day is **extrapolated** linearly from"
        + " the settled count and the seconds of changes it holds (warm-up and measured load), as if the rate went on"
        + " all day; merged segments grow until they reach the merge target, so where the largest is below it a day"
        + " holds fewer. Per day by bytes is **extrapolated** from the bytes the settled segments hold: a merged segment"
        + String.format(" stops growing once it holds more than half the merge target (%d MiB stored), so a day at the", 
            ChangeLogArchiver.DEFAULT_MERGE_TARGET_BYTES >> 20)
        + " measured bytes per second holds at most its bytes ÷ half the target such segments, plus those still growing"
        + " (the settled count).\n\n"
        + "| changes/s | store | at start | at end of load | merges settled (after) | largest segment | bytes settled |"
        + " per day, linear (extrapolated) | per day, by bytes (extrapolated) |\n|---|---|---|---|---|---|---|---|---|\n");
    for (Run run : runs) {
      SegmentCounts o = run.objects();
      md.append(String.format("| %,d | primary | %,d | %,d | %,d (%.0f s) | %,d bytes | %,d bytes | %,.0f | %,.0f |%n",
          run.rate(), o.primaryStart(), o.primaryEnd(), o.primarySettled(), o.settleSeconds(), o.largestBytes(),
          o.settledBytes(), SegmentCounts.perDay(o.primarySettled(), o.changeSeconds()), o.perDayByBytes()));
      md.append(String.format("| %,d | off-region | %,d | %,d | %,d (%.0f s) | | | %,.0f | |%n", run.rate(),
          o.offsiteStart(), o.offsiteEnd(), o.offsiteSettled(), o.settleSeconds(),
          SegmentCounts.perDay(o.offsiteSettled(), o.changeSeconds())));
    }
    md.append("\nThe reader's poll of both stores (list, then fetch and decode what is new) took ");
    md.append(String.join("; ", runs.stream().map(r -> String.format("%.0f ms on average and %.0f ms at most at %,d"
        + " changes/s", r.objects().pollMillisMean(), r.objects().pollMillisMax(), r.rate())).toList()));
    md.append(", on top of the 100 ms between polls. The client threads sent ");
    md.append(String.join("; ", runs.stream().map(r -> String.format("%,.0f changes/s of the %,d asked for", r.achieved(),
        r.rate())).toList()));
    md.append(" (the measured load's changes over the time it took to send them).\n\n");
    for (Run run : runs) {
      md.append(String.format("At %,d changes/s: target p99 < 2 s off-region %s (p99 %.2f s). %s%n", run.rate(),
          run.toOffsite().p(0.99) < 2_000 ? "met" : "not met", run.toOffsite().p(0.99) / 1000,
          run.toOffsite().seen == run.changes() ? "Every change arrived."
              : (run.changes() - run.toOffsite().seen) + " changes were not seen within 60 s of the last."));
    }
    System.out.print(md);
    BenchmarkReport.write(report, "rpo", md.toString());
  }

  /** One rate on a fresh stack and process. */
  private static Run measure(int rate, int seconds, Duration changelogEvery, String load) throws Exception {
    Path dir = Files.createTempDirectory("lifeboat-bench-rpo-");
    byte[] masterKey = randomKey();
    EmbeddedStack.Options options = new EmbeddedStack.Options(dir, 0, 0, 0, 0, 0, 0, false, true);
    Run run;
    try (EmbeddedStack stack = EmbeddedStack.start(options);
        LifeboatProcess process = new LifeboatProcess(config(stack, masterKey, changelogEvery), "bench").start()) {
      System.out.printf("Workers %s; %d changes/s for %d s after a warm-up; changelogEvery %s (load average %s)%n",
          process.workers(), rate, seconds, changelogEvery, load);
      KubernetesClient kube = stack.kubernetes().orElseThrow().client();
      kube.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
      for (int i = 0; i < OBJECTS; i++) {
        kube.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata().withName(name(i))
            .endMetadata().addToData("seq", "0").build()).create();
      }
      Endpoints e = stack.endpoints();
      SegmentReader primary = new SegmentReader(store(e.stores().get(0)), masterKey);
      SegmentReader offsite = new SegmentReader(store(e.stores().get(1)), masterKey);
      ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "rpo-poller"));
      PollTimes polls = new PollTimes();
      poller.scheduleWithFixedDelay(() -> {
        long began = System.nanoTime();
        primary.poll();
        offsite.poll();
        polls.took(System.nanoTime() - began);
      }, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);

      // warm-up: the same load, unreported, until a change of it has arrived off-region (JIT, topics, first snapshot)
      long loadStarted = System.nanoTime();
      List<Change> warmUp = drive(kube, rate, WARM_UP, 0);
      awaitAll(offsite, warmUp.subList(warmUp.size() - 1, warmUp.size()), Duration.ofMinutes(2));
      int primaryStart = primary.count();
      int offsiteStart = offsite.count();
      long measuredStarted = System.nanoTime();
      List<Change> changes = drive(kube, rate, Duration.ofSeconds(seconds), warmUp.size());
      double achieved = changes.size() / ((System.nanoTime() - measuredStarted) / 1e9);
      double changeSeconds = (System.nanoTime() - loadStarted) / 1e9;
      awaitAll(offsite, changes, Duration.ofSeconds(60));
      poller.shutdownNow();
      poller.awaitTermination(10, TimeUnit.SECONDS);
      int primaryEnd = primary.count();
      int offsiteEnd = offsite.count();
      long settling = System.nanoTime();
      int[] settled = awaitSettled(primary, offsite);
      SegmentCounts objects = new SegmentCounts(primaryStart, offsiteStart, primaryEnd, offsiteEnd, settled[0], settled[1],
          changeSeconds, (System.nanoTime() - settling) / 1e9, primary.largest(), primary.bytes(), polls.meanMillis(),
          polls.maxMillis());

      Latencies toOffsite = Latencies.of(changes, offsite);
      Latencies toPrimary = Latencies.of(changes, primary);
      System.out.printf("%d changes/s: off-region: %s%nprimary: %s%nobjects: %s%n", rate, toOffsite, toPrimary, objects);
      run = new Run(rate, seconds, changes.size(), warmUp.size(), toPrimary, toOffsite, objects, achieved);
    }
    deleteTree(dir);
    return run;
  }

  /**
   * Waits until neither store's segment count changed for a merge round (half the merge delay, plus
   * a margin) and no segment is younger than the merge delay, at most {@link #SETTLE_LIMIT}.
   */
  private static int[] awaitSettled(SegmentReader primary, SegmentReader offsite) throws InterruptedException {
    long round = ChangeLogArchiver.DEFAULT_MERGE_AFTER.toMillis() / 2 + 5_000;
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    long earliest = System.nanoTime() + ChangeLogArchiver.DEFAULT_MERGE_AFTER.toNanos() + round * 1_000_000;
    int[] last = {primary.count(), offsite.count()};
    while (System.nanoTime() < deadline) {
      Thread.sleep(round);
      int[] now = {primary.count(), offsite.count()};
      if (now[0] == last[0] && now[1] == last[1] && System.nanoTime() > earliest) {
        return now;
      }
      last = now;
    }
    return last;
  }

  private static int[] ints(String list) {
    return Arrays.stream(list.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  private static String name(int i) {
    return "cm-" + i;
  }

  /**
   * Updates the config maps in turn at {@code rate} a second for {@code duration}, from sequence number
   * {@code first}: change {@code i} is due at {@code i / rate} s, sent by client thread {@code i mod
   * DRIVERS} (one thread alone cannot make a thousand round trips a second).
   */
  private static List<Change> drive(KubernetesClient kube, int rate, Duration duration, int first) throws Exception {
    long period = 1_000_000_000L / rate;
    int count = (int) (duration.toSeconds() * rate);
    Change[] changes = new Change[count];
    long start = System.nanoTime();
    ExecutorService drivers = Executors.newFixedThreadPool(DRIVERS, r -> {
      Thread t = new Thread(r, "rpo-driver");
      t.setDaemon(true); // a failed update must not keep the JVM alive after main has ended
      return t;
    });
    List<Future<?>> done = new ArrayList<>();
    for (int d = 0; d < DRIVERS; d++) {
      int driver = d;
      done.add(drivers.submit(() -> {
        for (int i = driver; i < count; i += DRIVERS) {
          long wait = start + i * period - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
          int seq = first + i + 1;
          String name = name(seq % OBJECTS);
          long sent = System.nanoTime();
          // one request (a merge patch), where an edit would read the object first
          ConfigMap updated = kube.configMaps().inNamespace(NAMESPACE).withName(name)
              .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"data\":{\"seq\":\"" + seq + "\"}}");
          changes[i] = new Change(name + "@" + updated.getMetadata().getResourceVersion(), sent);
        }
        return null;
      }));
    }
    try {
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      drivers.shutdownNow();
    }
    double late = (System.nanoTime() - start - duration.toNanos()) / 1e9;
    if (late > 1) {
      System.out.printf("The load fell behind by %.1f s%n", late);
    }
    return List.of(changes);
  }

  private static void awaitAll(SegmentReader reader, List<Change> changes, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (changes.stream().allMatch(c -> reader.seen.containsKey(c.key()))) {
        return;
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** How long the reader's polls of both stores took (written by the poller thread only, read after it stopped). */
  private static final class PollTimes {
    private long count;
    private long total;
    private long max;

    void took(long nanos) {
      count++;
      total += nanos;
      max = Math.max(max, nanos);
    }

    double meanMillis() {
      return count == 0 ? 0 : total / 1e6 / count;
    }

    double maxMillis() {
      return max / 1e6;
    }
  }

  /** Lists a store's change-log segments; decodes each new one and notes when each change was first readable. */
  private static final class SegmentReader {
    private final S3BlobStore store;
    private final byte[] masterKey;
    private SegmentStore segments;
    private final Set<String> read = new HashSet<>();
    final Map<String, Long> seen = new ConcurrentHashMap<>();
    final AtomicInteger errors = new AtomicInteger();

    SegmentReader(S3BlobStore store, byte[] masterKey) {
      this.store = store;
      this.masterKey = masterKey;
    }

    /** Segment objects of the cluster in the store now. */
    int count() {
      if (segments == null) {
        return 0;
      }
      return segments.listAll(CLUSTER).values().stream().mapToInt(List::size).sum();
    }

    /** Stored bytes of every segment in the store now. */
    long bytes() {
      return segments == null ? 0 : segments.listAll(CLUSTER).values().stream().flatMap(List::stream)
          .mapToLong(SegmentRef::size).sum();
    }

    /** The largest segment in the store now, in stored bytes. */
    long largest() {
      return segments == null ? 0 : segments.listAll(CLUSTER).values().stream().flatMap(List::stream)
          .mapToLong(SegmentRef::size).max().orElse(0);
    }

    void poll() {
      pollOnce();
    }

    private void pollOnce() {
      try {
        if (segments == null) {
          if (store.get("config").isEmpty()) {
            return; // nothing replicated yet
          }
          segments = SegmentStore.open(store, masterKey, store.describe());
        }
        for (List<SegmentRef> refs : segments.listAll(CLUSTER).values()) {
          for (SegmentRef ref : refs) {
            if (!read.add(ref.key())) {
              continue;
            }
            byte[] plaintext = segments.read(ref.key()).orElseThrow();
            long now = System.nanoTime();
            for (ChangeLogEntry entry : SegmentFormat.read(plaintext).entries()) {
              var change = entry.change();
              if (NAMESPACE.equals(change.getNamespace()) && "ConfigMap".equals(change.getKind())) {
                seen.putIfAbsent(change.getName() + "@" + change.getResourceVersion(), now);
              }
            }
          }
        }
      } catch (RuntimeException e) {
        if (errors.incrementAndGet() <= 3) {
          System.out.println("Reading segments of " + store.describe() + " failed: " + e);
        }
      }
    }
  }

  /** Latencies of the changes a reader saw, in milliseconds. */
  private static final class Latencies {
    final long[] sortedNanos;
    final int seen;
    final int total;

    private Latencies(long[] sortedNanos, int total) {
      this.sortedNanos = sortedNanos;
      this.seen = sortedNanos.length;
      this.total = total;
    }

    static Latencies of(List<Change> changes, SegmentReader reader) {
      long[] samples = new long[changes.size()];
      int n = 0;
      for (Change c : changes) {
        Long at = reader.seen.get(c.key());
        if (at != null) {
          samples[n++] = at - c.sentNanos();
        }
      }
      return new Latencies(BenchmarkReport.sorted(samples, n), changes.size());
    }

    double p(double q) {
      return BenchmarkReport.percentileMillis(sortedNanos, q);
    }

    String row(int rate, String where) {
      return String.format("| %,d | %s | %,d of %,d | %.2f s | %.2f s | %.2f s | %.2f s |%n", rate, where, seen, total,
          p(0.5) / 1000, p(0.9) / 1000, p(0.99) / 1000, p(1.0) / 1000);
    }

    @Override
    public String toString() {
      return String.format("%d of %d seen, p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms", seen, total, p(0.5), p(0.9),
          p(0.99), p(1.0));
    }
  }

  private static String format(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
  }

  /** What a lifeboat.yaml for the embedded stack would say, with every worker at its defaults. */
  private static LifeboatConfig config(EmbeddedStack stack, byte[] masterKey, Duration changelogEvery) {
    Endpoints e = stack.endpoints();
    List<StoreConfig> stores = e.stores().stream()
        .map(s -> new StoreConfig(s.name(), s.endpoint(), s.bucket(), "lifeboat", s.accessKey(), s.secretKey(), null))
        .toList();
    SnapshotterConfig defaults = new SnapshotterConfig(true, masterKey, Duration.ofMinutes(15), "", 2);
    SnapshotterConfig snapshotter = new SnapshotterConfig(true, masterKey, defaults.etcdEvery(), "", defaults.uploadThreads(),
        defaults.csiTimeout(), defaults.csiSnapshotClass(), defaults.resourcesEvery(), changelogEvery);
    return new LifeboatConfig(
        new ClusterConfig(CLUSTER),
        new KafkaConfig(e.kafkaBootstrapServers(), "lifeboat-", 1, KafkaClients.DEFAULT_COMPRESSION, Map.of()),
        new RegistryConfig(e.schemaRegistryUrl()),
        new StoresConfig(stores.get(0), stores.subList(1, stores.size())),
        new KubernetesConfig(e.kubeconfig(), null),
        Optional.empty(),
        new StatusConfig("127.0.0.1", Ports.preferredOrFree("status", 0)),
        Optional.of(new EncryptionConfig("bench-1", Map.of("bench-1", randomKey()))),
        new RepositoryConfig(masterKey),
        RetentionConfig.defaults())
        .with(SnapshotterConfig.SECTION, snapshotter)
        .with(VerifierConfig.SECTION, VerifierConfig.defaults().withScratchDir(stack.dataDir().resolve("verify")));
  }

  private static S3BlobStore store(Endpoints.Store s) {
    return new S3BlobStore(new StoreConfig(s.name(), s.endpoint(), s.bucket(), "lifeboat", s.accessKey(), s.secretKey(), null));
  }

  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  private static void deleteTree(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      System.out.println("Could not delete " + dir + ": " + e);
    }
  }
}
