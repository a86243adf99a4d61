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
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
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
 * is reported too, so the total splits into archiving and replication.
 */
public final class RpoBenchmark {
  private static final String CLUSTER = "bench";
  private static final String NAMESPACE = "rpo";
  private static final int OBJECTS = 100;
  private static final long POLL_MILLIS = 100;

  /** A change made through the API: when the request was sent. */
  private record Change(String key, long sentNanos) {}

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 120;
    Duration changelogEvery = args.length > 3 ? Duration.parse("PT" + args[3].toUpperCase()) : Duration.ofSeconds(5);
    Path dir = Files.createTempDirectory("lifeboat-bench-rpo-");
    String load = Files.readString(Path.of("/proc/loadavg")).trim();
    byte[] masterKey = randomKey();
    StringBuilder md = new StringBuilder("## rpo: a change in the cluster to its segment readable off-region\n\n");
    EmbeddedStack.Options options = new EmbeddedStack.Options(dir, 0, 0, 0, 0, 0, 0, false, true);
    try (EmbeddedStack stack = EmbeddedStack.start(options);
        LifeboatProcess process = new LifeboatProcess(config(stack, masterKey, changelogEvery), "bench").start()) {
      System.out.printf("Workers %s; %d changes/s for %d s after a warm-up; segments every %s (load average %s)%n",
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
      poller.scheduleWithFixedDelay(() -> {
        primary.poll();
        offsite.poll();
      }, 0, POLL_MILLIS, TimeUnit.MILLISECONDS);

      // warm-up: the same load, unreported, until a change of it has arrived off-region (JIT, topics, first snapshot)
      List<Change> warmUp = drive(kube, rate, Duration.ofSeconds(20), 0);
      awaitAll(offsite, warmUp.subList(warmUp.size() - 1, warmUp.size()), Duration.ofMinutes(2));
      List<Change> changes = drive(kube, rate, Duration.ofSeconds(seconds), warmUp.size());
      awaitAll(offsite, changes, Duration.ofSeconds(60));
      poller.shutdownNow();
      poller.awaitTermination(10, TimeUnit.SECONDS);

      Latencies toOffsite = Latencies.of(changes, offsite);
      Latencies toPrimary = Latencies.of(changes, primary);
      System.out.printf("off-region: %s%nprimary: %s%n", toOffsite, toPrimary);
      md.append("`bench/run rpo` (").append(BenchmarkReport.machine()).append("; load average before the run: ")
          .append(load).append("). One Lifeboat process with every worker (watcher, snapshotter, replicator, verifier)"
              + " at its defaults, `snapshotter.changelogEvery: ").append(format(changelogEvery)).append("`, against the"
              + " embedded stack (Kafka, schema registry, two S3Proxy servers, the local Kubernetes API) in the same JVM. ")
          .append(String.format("%d config maps in one namespace are updated in turn, %d changes/s for %d s (%,d changes)"
              + " after %,d unreported ones. The clock starts when the update is sent to the API and stops when a reader,"
              + " listing each store every %d ms, has fetched, authenticated and decoded the segment holding that"
              + " resourceVersion; the polling adds up to %d ms.%n%n", OBJECTS, rate, seconds, changes.size(), warmUp.size(),
              POLL_MILLIS, POLL_MILLIS))
          .append("| readable in | changes seen | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|\n")
          .append(toPrimary.row("primary store")).append(toOffsite.row("off-region store"))
          .append(String.format("%nTarget p99 < 10 s off-region: %s (p99 %.1f s). %s%n",
              toOffsite.p(0.99) < 10_000 ? "met" : "not met", toOffsite.p(0.99) / 1000,
              toOffsite.seen == changes.size() ? "Every change arrived."
                  : (changes.size() - toOffsite.seen) + " changes were not seen within 60 s of the last."));
    }
    deleteTree(dir);
    System.out.print(md);
    BenchmarkReport.write(report, "rpo", md.toString());
  }

  private static String name(int i) {
    return "cm-" + i;
  }

  /** Updates the config maps in turn at {@code rate} a second for {@code duration}, from sequence number {@code first}. */
  private static List<Change> drive(KubernetesClient kube, int rate, Duration duration, int first) throws InterruptedException {
    List<Change> changes = new ArrayList<>();
    long period = 1_000_000_000L / rate;
    long start = System.nanoTime();
    long count = duration.toSeconds() * rate;
    for (int i = 0; i < count; i++) {
      long due = start + i * period;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      int seq = first + i + 1;
      String name = name(seq % OBJECTS);
      long sent = System.nanoTime();
      ConfigMap updated = kube.configMaps().inNamespace(NAMESPACE).withName(name)
          .edit(cm -> new ConfigMapBuilder(cm).addToData("seq", Integer.toString(seq)).build());
      changes.add(new Change(name + "@" + updated.getMetadata().getResourceVersion(), sent));
    }
    double late = (System.nanoTime() - start - duration.toNanos()) / 1e9;
    if (late > 1) {
      System.out.printf("The load fell behind by %.1f s%n", late);
    }
    return changes;
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

    void poll() {
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

    String row(String where) {
      return String.format("| %s | %,d of %,d | %.2f s | %.2f s | %.2f s | %.2f s |%n", where, seen, total,
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
