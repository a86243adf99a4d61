package dev.lifeboat.bench.scale;

import dev.lifeboat.bench.BenchmarkReport;
import dev.lifeboat.bench.LoadAverage;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.config.EncryptionConfig;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.watcher.Watcher;
import dev.lifeboat.watcher.WatcherConfig;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/**
 * The watcher's heap as the cluster grows: for each count N, N ConfigMaps of ~1 KiB in the local
 * Kubernetes API, the real watcher (default configuration: every kind, every namespace) started
 * against it and publishing to the embedded broker until every ConfigMap's record is acknowledged,
 * then the heap after a full collection.
 *
 * <p>The broker, the registry and the API server (which holds the N objects) run in a child JVM
 * ({@link ScaleCluster}); this JVM holds the watcher alone, so its heap after a full collection,
 * minus what it held just before the watcher started, is the watcher's. The heap limit of this JVM
 * is the watcher's.
 */
public final class WatcherScaleBenchmark {
  private static final Duration PUBLISH_LIMIT = Duration.ofMinutes(45);

  /** One count's measurement. */
  record Result(int objects, double loadSeconds, double startSeconds, double publishSeconds, long baselineBytes,
      long afterBytes, long recordsOnTopic) {
    long watcherBytes() {
      return afterBytes - baselineBytes;
    }
  }

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    List<Integer> counts = new ArrayList<>();
    for (String c : (args.length > 1 ? args[1] : "100000,1000000").split(",")) {
      counts.add(Integer.parseInt(c.trim().replace("_", "")));
    }
    String loadBefore = LoadAverage.now();
    List<Result> results = new ArrayList<>();
    for (int count : counts) {
      Result r = run(count);
      results.add(r);
      System.out.printf(Locale.ROOT, "%,d objects: published in %.1f s, watcher heap %,d bytes (%.0f bytes/object)%n",
          r.objects(), r.publishSeconds(), r.watcherBytes(), (double) r.watcherBytes() / r.objects());
    }
    String loadAfter = LoadAverage.now();
    String md = markdown(results, loadBefore, loadAfter);
    System.out.println(md);
    BenchmarkReport.write(report, "scale-watcher", md);
  }

  static Result run(int count) throws Exception {
    try (ScaleClusterProcess cluster = ScaleClusterProcess.start(count, 1024 + (long) count * 4 / 1024)) {
      String bootstrap = cluster.bootstrapServers();
      String registryUrl = cluster.registryUrl();
      String apiUrl = cluster.apiUrl();
      double loadSeconds = cluster.loadSeconds();
      KafkaClients kafka = new KafkaClients(bootstrap);
      HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(registryUrl);
      Config config = new ConfigBuilder(Config.empty()).withMasterUrl(apiUrl).withNamespace("default")
          .withRequestTimeout(60_000).withConnectionTimeout(5_000).build();
      SimpleMeterRegistry meters = new SimpleMeterRegistry();
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        long baseline = heapAfterFullCollection();
        long began = System.nanoTime();
        try (Watcher watcher = Watcher.start(client, WatcherConfig.defaults(),
            Optional.of(new EncryptionConfig("k1", Map.of("k1", key))),
            new Watcher.Services(kafka, registry, new EventFactory("scale", "watcher", Clock.systemUTC()), meters,
                new Health(Clock.systemUTC()), null, Clock.systemUTC()))) {
          double startSeconds = (System.nanoTime() - began) / 1e9;
          await(watcher::synced, "the watcher's first lists");
          await(() -> added(meters) >= count, "a record sent for each of the " + count + " ConfigMaps");
          await(() -> {
            watcher.flush();
            return watcher.backlog() == 0 && value(meters, "lifeboat.watcher.unacknowledged") == 0
                && acknowledged(meters) >= count;
          }, "every record acknowledged");
          double publishSeconds = (System.nanoTime() - began) / 1e9;
          long onTopic = endOffsets(kafka);
          if (onTopic < count) {
            throw new IllegalStateException("only " + onTopic + " records on " + Topics.RESOURCE_CHANGES + " for " + count
                + " objects");
          }
          long after = heapAfterFullCollection();
          return new Result(count, loadSeconds, startSeconds, publishSeconds, baseline, after, onTopic);
        }
      }
    }
  }

  private static double added(SimpleMeterRegistry meters) {
    Counter c = meters.find("lifeboat.watcher.changes").tag("kind", "ConfigMap").tag("type", "ADDED").counter();
    return c == null ? 0 : c.count();
  }

  private static long acknowledged(SimpleMeterRegistry meters) {
    Timer t = meters.find("lifeboat.watcher.ack.latency").timer();
    return t == null ? 0 : t.count();
  }

  private static double value(SimpleMeterRegistry meters, String gauge) {
    Gauge g = meters.find(gauge).gauge();
    return g == null ? Double.NaN : g.value();
  }

  /** Records on the resource-changes topic, by the broker's end offsets. */
  private static long endOffsets(KafkaClients kafka) throws Exception {
    try (Admin admin = kafka.admin()) {
      var partitions = admin.describeTopics(List.of(Topics.RESOURCE_CHANGES)).allTopicNames().get()
          .get(Topics.RESOURCE_CHANGES).partitions();
      Map<TopicPartition, OffsetSpec> latest = partitions.stream().collect(Collectors.toMap(
          p -> new TopicPartition(Topics.RESOURCE_CHANGES, p.partition()), p -> OffsetSpec.latest()));
      return admin.listOffsets(latest).all().get().values().stream().mapToLong(o -> o.offset()).sum();
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + PUBLISH_LIMIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("gave up waiting for " + what + " after " + PUBLISH_LIMIT);
      }
      Thread.sleep(50); // polls the condition; the result does not depend on this pause
    }
  }

  /** Heap in use after full collections (repeated until it stops falling). */
  static long heapAfterFullCollection() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      if (now >= used) {
        return Math.min(now, used);
      }
      used = now;
    }
    return used;
  }

  static String markdown(List<Result> results, String loadBefore, String loadAfter) {
    StringBuilder md = new StringBuilder();
    md.append("## watcher at scale: heap per object\n\n");
    md.append("`bench/run scale watcher` (").append(Runtime.getRuntime().availableProcessors()).append(" cores, JDK ")
        .append(System.getProperty("java.vendor")).append(" ").append(System.getProperty("java.version"))
        .append(", watcher heap limit ").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB")
        .append(", collector ").append(ManagementFactory.getGarbageCollectorMXBeans().get(0).getName())
        .append("; load average 1/5/15 min ").append(loadBefore).append(" before, ").append(loadAfter).append(" after). ")
        .append("N ConfigMaps of ~1 KiB (").append(ScaleCluster.PAYLOAD_CHARS).append(" characters of data) are created ")
        .append("through the local Kubernetes API; the API server, the broker and the registry run in a child JVM, so the ")
        .append("objects the API holds are not in the watcher's heap. The real watcher (default configuration: every kind, ")
        .append("every namespace, one list and watch per kind, pages of 500) lists them and publishes each to ")
        .append("`lifeboat.resource-changes`; publish time runs from the watcher's start until every ConfigMap's record is ")
        .append("acknowledged (its `ADDED` count, then an empty backlog and nothing unacknowledged; it includes the watcher's ")
        .append("start-up: loading what it published before, discovery, the volume watcher's first lists), and the topic's end ")
        .append("offsets hold at least N records. The watcher's heap is the JVM's heap after full collections then, minus ")
        .append("the same figure just before the watcher started.\n\n");
    md.append("| objects | load into the API | `Watcher.start` returned | publish N (start to last ack) | objects/s | records on topic | ")
        .append("heap before watcher | heap with watcher | watcher heap | per object |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      md.append(String.format(Locale.ROOT, "| %,d | %.1f s | %.1f s | %.1f s | %,.0f | %,d | %.1f MiB | %.1f MiB | %.1f MiB | %,.0f B |%n",
          r.objects(), r.loadSeconds(), r.startSeconds(), r.publishSeconds(), r.objects() / r.publishSeconds(), r.recordsOnTopic(),
          r.baselineBytes() / 1048576.0, r.afterBytes() / 1048576.0, r.watcherBytes() / 1048576.0,
          (double) r.watcherBytes() / r.objects()));
    }
    return md.toString();
  }
}
