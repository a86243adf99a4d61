package dev.lifeboat.bench.scale;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.bench.BenchmarkReport;
import dev.lifeboat.bench.HeapUse;
import dev.lifeboat.bench.LoadAverage;
import dev.lifeboat.bench.S3ServerProcess;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.resources.PointInTime;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.ResourceRestorePlan;
import dev.lifeboat.restore.ResourceRestoreReport;
import dev.lifeboat.restore.RestoreEngine;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.resources.ResourceSnapshotter;
import dev.lifeboat.snapshotter.resources.ResourceStateTable;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Resource snapshot and point-in-time restore as the cluster grows: for each count N, N ConfigMaps
 * of ~1 KiB in N / 1,000 namespaces (at least one) written to the state table ({@code
 * lifeboat.resource-state}) as the Streams application would, then, in this JVM (its heap limit is
 * the bound under test):
 *
 * <ol>
 *   <li>the real {@link ResourceSnapshotter} takes a whole-cluster snapshot into a repository in an
 *       S3 server of its own process;
 *   <li>1% of the objects are changed after the snapshot, archived as change-log segments;
 *   <li>a point-in-time restore (the snapshot plus those changes, the engine's defaults, 32 objects in
 *       flight) creates every object in the local Kubernetes API, and a changed object is read back
 *       to show the change was applied.
 * </ol>
 *
 * The broker, the registry and the API server (which holds the restored objects) run in a child JVM
 * ({@link ScaleCluster}). Heap is measured with {@link HeapUse}: the most heap in use right after any
 * collection during the step, an upper bound of what the step kept live.
 */
public final class ResourceScaleBenchmark {
  private static final String CLUSTER = "scale";
  private static final String KEY = "bench";
  private static final String SECRET = "bench-secret";
  private static final byte[] MASTER_KEY = new byte[32];
  private static final int PER_NAMESPACE = 1_000;
  private static final int PAYLOAD_CHARS = 1_000;
  private static final int RESTORE_PARALLELISM = 32;
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);

  /** One count's measurement. */
  record Result(int objects, int namespaces, double produceSeconds, Snapshot snapshot, State state, Restore restore) {}

  record Snapshot(double seconds, long heapMiB, long documentBytes, long newBytes, int streams) {}

  /** The point-in-time state read back alone: every document of the snapshot plus the changes, each parsed once. */
  record State(double seconds, long heapMiB, long objects, long changesApplied, long spilledBytes) {}

  /** Null when the count is above the restore limit: creating that many objects in the local API was not run. */
  record Restore(double seconds, long heapMiB, long created, long changesApplied, long failed) {}

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    List<Integer> counts = new ArrayList<>();
    for (String c : (args.length > 1 ? args[1] : "100000,1000000").split(",")) {
      counts.add(Integer.parseInt(c.trim().replace("_", "")));
    }
    int restoreLimit = args.length > 2 ? Integer.parseInt(args[2].replace("_", "")) : 1_000_000;
    String loadBefore = LoadAverage.now();
    List<Result> results = new ArrayList<>();
    for (int count : counts) {
      Result r = run(count, count <= restoreLimit);
      results.add(r);
      progress(String.format(Locale.ROOT, "%,d objects: snapshot %.1f s (heap %d MiB), point-in-time state %.1f s (heap %d"
          + " MiB)%s", count, r.snapshot().seconds(), r.snapshot().heapMiB(), r.state().seconds(), r.state().heapMiB(),
          r.restore() == null ? "" : String.format(Locale.ROOT, ", restore %.1f s (heap %d MiB)", r.restore().seconds(),
              r.restore().heapMiB())));
    }
    String md = markdown(results, restoreLimit, loadBefore, LoadAverage.now());
    System.out.println(md);
    BenchmarkReport.write(report, "scale-resources", md);
    System.exit(0); // idle client threads would keep the JVM up
  }

  static Result run(int count, boolean restoreIntoTheApi) throws Exception {
    Path work = Files.createTempDirectory("lifeboat-scale-resources-");
    int namespaces = Math.max(1, count / PER_NAMESPACE);
    long clusterHeapMiB = 1024 + (long) count * 6 / 1024;
    try (ScaleClusterProcess cluster = ScaleClusterProcess.start(0, clusterHeapMiB);
        S3ServerProcess s3 = S3ServerProcess.start(work.resolve("s3"), KEY, SECRET, "bench")) {
      KafkaClients kafka = new KafkaClients(cluster.bootstrapServers());
      HttpSchemaRegistryClient registry = new HttpSchemaRegistryClient(cluster.registryUrl());
      EventFactory events = new EventFactory(CLUSTER, "bench", Clock.systemUTC());

      long began = System.nanoTime();
      produce(kafka, registry, events, count, namespaces);
      double produceSeconds = (System.nanoTime() - began) / 1e9;
      progress(String.format(Locale.ROOT, "%,d objects in the state table in %.1f s", count, produceSeconds));

      Repository repository = Repository.openOrCreate(BlobStores.open(new StoreConfig("bench", s3.endpoint(), "bench",
          "resources", KEY, SECRET, null), new SimpleMeterRegistry()), MASTER_KEY, ChunkerParams.DEFAULT,
          new SimpleMeterRegistry());
      ExecutorService uploads = Executors.newFixedThreadPool(4);
      Snapshot snapshot;
      try {
        snapshot = snapshot(kafka, registry, repository, uploads, work, count);
      } finally {
        uploads.shutdownNow();
      }
      progress(String.format(Locale.ROOT, "snapshot of %,d objects in %.1f s", count, snapshot.seconds()));

      SegmentStore segments = SegmentStore.open(repository, MASTER_KEY);
      List<String> changed = archiveChanges(segments, events, count, namespaces);
      State state = state(repository, segments, work, count, changed.size());
      progress(String.format(Locale.ROOT, "point-in-time state of %,d objects read in %.1f s", count, state.seconds()));
      Restore restore = restoreIntoTheApi ? restore(cluster, repository, segments, count, changed) : null;
      return new Result(count, namespaces, produceSeconds, snapshot, state, restore);
    } finally {
      try (var paths = Files.walk(work)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /** N ConfigMaps as the state table holds them: the latest ResourceChanged of each, keyed by object. */
  private static void produce(KafkaClients kafka, HttpSchemaRegistryClient registry, EventFactory events, int count,
      int namespaces) throws Exception {
    AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
    SplittableRandom random = new SplittableRandom(42);
    Instant observed = Instant.now();
    try (KafkaProducer<byte[], byte[]> producer = kafka.producer("bench-scale-resources")) {
      List<Future<?>> inFlight = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String namespace = namespace(i % namespaces);
        String name = String.format("cm-%07d", i);
        ResourceChanged change = configMap(events, namespace, name, i, payload(random), observed, ChangeType.ADDED);
        String key = key(namespace, name);
        inFlight.add(producer.send(new ProducerRecord<>(Topics.RESOURCE_STATE, key.getBytes(StandardCharsets.UTF_8),
            serializer.serialize(Topics.RESOURCE_STATE, change))));
        if (inFlight.size() >= 10_000) {
          for (Future<?> f : inFlight) {
            f.get();
          }
          inFlight.clear();
        }
        if (i > 0 && i % 200_000 == 0) {
          progress(String.format(Locale.ROOT, "%,d records sent", i));
        }
      }
      for (Future<?> f : inFlight) {
        f.get();
      }
    }
  }

  private static Snapshot snapshot(KafkaClients kafka, HttpSchemaRegistryClient registry, Repository repository,
      ExecutorService uploads, Path work, int count) throws Exception {
    ResourceSnapshotter snapshotter = new ResourceSnapshotter(ResourceSnapshotter.Settings.of(
        ResourceStateTable.Settings.of(CLUSTER, 1)), kafka, new AvroDeserializer<>(registry), repository, uploads,
        Clock.systemUTC(), Files.createDirectories(work.resolve("spill")));
    String id = ID_TIME.format(Instant.now()) + "-000001";
    try (HeapUse heap = HeapUse.start()) {
      long began = System.nanoTime();
      ResourceSnapshotter.Result result = snapshotter.snapshot("cluster", id);
      double seconds = (System.nanoTime() - began) / 1e9;
      if (result.objects() != count) {
        throw new IllegalStateException("the snapshot holds " + result.objects() + " objects, not " + count);
      }
      long documents = result.manifest().streams().stream().mapToLong(s -> s.size()).sum();
      return new Snapshot(seconds, heap.afterCollectionMiB(), documents, result.newBytes(),
          result.manifest().streams().size());
    }
  }

  /** 1% of the objects (at least one) changed after the snapshot, archived as the archiver would; their keys. */
  private static List<String> archiveChanges(SegmentStore segments, EventFactory events, int count, int namespaces) {
    int changes = Math.max(1, count / 100);
    SplittableRandom random = new SplittableRandom(7);
    Instant at = Instant.now().plusMillis(1);
    List<String> keys = new ArrayList<>();
    int perSegment = 10_000;
    for (int first = 0; first < changes; first += perSegment) {
      int last = Math.min(changes, first + perSegment) - 1;
      SegmentFormat.Builder builder = new SegmentFormat.Builder(CLUSTER, Topics.RESOURCE_CHANGES, 0);
      for (int offset = first; offset <= last; offset++) {
        int i = (int) ((long) offset * count / changes);
        String namespace = namespace(i % namespaces);
        String name = String.format("cm-%07d", i);
        String key = key(namespace, name);
        builder.add(offset, at, key, configMap(events, namespace, name, i, "changed-" + payload(random), at,
            ChangeType.MODIFIED));
        keys.add(key);
      }
      segments.write(CLUSTER, 0, first, last, builder.finish(first, last));
    }
    return keys;
  }

  /** The state at now (the snapshot plus the archived changes), every document read back from the spill and parsed. */
  private static State state(Repository repository, SegmentStore segments, Path work, int count, int changes)
      throws Exception {
    Path spill = Files.createDirectories(work.resolve("state"));
    try (HeapUse heap = HeapUse.start()) {
      long began = System.nanoTime();
      long[] read = {0};
      long objects;
      long applied;
      long spilled;
      try (PointInTime.State state = PointInTime.of(repository, segments, spill).stateAt(CLUSTER,
          Instant.now().plusSeconds(1))) {
        state.forEach(d -> read[0]++);
        objects = state.objectCount();
        applied = state.changesApplied();
        spilled = state.objects().spilledBytes();
      }
      double seconds = (System.nanoTime() - began) / 1e9;
      if (read[0] != count || objects != count || applied != changes) {
        throw new IllegalStateException("the state holds " + objects + " objects (" + read[0] + " read back) and "
            + applied + " changes applied, not " + count + " and " + changes);
      }
      return new State(seconds, heap.afterCollectionMiB(), objects, applied, spilled);
    }
  }

  private static Restore restore(ScaleClusterProcess cluster, Repository repository, SegmentStore segments, int count,
      List<String> changed) throws Exception {
    Config config = new ConfigBuilder(Config.empty()).withMasterUrl(cluster.apiUrl()).withNamespace("default")
        .withRequestTimeout(60_000).withConnectionTimeout(5_000).withMaxConcurrentRequests(2 * RESTORE_PARALLELISM)
        .withMaxConcurrentRequestsPerHost(2 * RESTORE_PARALLELISM).build();
    RestoreEngine engine = new RestoreEngine(RestoreSource.of(repository, segments, new KeyRing("k1",
        Map.of("k1", new byte[32]))));
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
      ResourceRestoreReport report;
      try (HeapUse heap = HeapUse.start()) {
        long began = System.nanoTime();
        report = engine.restoreResources(ResourceRestorePlan.atTime(CLUSTER, Instant.now().plusSeconds(1))
            .parallelism(RESTORE_PARALLELISM).build(), client, Progress.NONE);
        double seconds = (System.nanoTime() - began) / 1e9;
        if (report.failed() > 0 || report.created() != count) {
          throw new IllegalStateException("the restore created " + report.created() + " of " + count + " objects, "
              + report.failed() + " failed" + (report.failed() > 0 ? ", first: " + report.failures().get(0) : ""));
        }
        String last = changed.get(changed.size() - 1);
        String[] parts = last.split("/");
        ConfigMap read = client.configMaps().inNamespace(parts[1]).withName(parts[4]).get();
        if (read == null || !read.getData().get("payload").startsWith("changed-")) {
          throw new IllegalStateException("the change archived after the snapshot is not in the restored " + last);
        }
        return new Restore(seconds, heap.afterCollectionMiB(), report.created(), report.changesApplied(),
            report.failed());
      }
    }
  }

  private static ResourceChanged configMap(EventFactory events, String namespace, String name, int index,
      String payload, Instant observed, ChangeType type) {
    String uid = new java.util.UUID(0x5ca1eL, index).toString();
    String json = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\""
        + namespace + "\",\"uid\":\"" + uid + "\",\"resourceVersion\":\"" + (index + 1) + "\",\"labels\":{\"app\":\"scale\"}},"
        + "\"data\":{\"index\":\"" + index + "\",\"payload\":\"" + payload + "\"}}";
    byte[] object = json.getBytes(StandardCharsets.UTF_8);
    return ResourceChanged.newBuilder().setHeader(events.header(key(namespace, name))).setType(type).setGroup("")
        .setVersion("v1").setKind("ConfigMap").setNamespace(namespace).setName(name).setUid(uid)
        .setResourceVersion(Integer.toString(index + 1)).setObservedAt(observed)
        .setContentHash(HexFormat.of().formatHex(java.util.Arrays.copyOf(object, 8)))
        .setObject(ByteBuffer.wrap(object)).setEncryptionKeyId(null).build();
  }

  private static String payload(SplittableRandom random) {
    char[] chars = new char[PAYLOAD_CHARS];
    for (int i = 0; i < chars.length; i++) {
      chars[i] = (char) ('a' + random.nextInt(26));
    }
    return new String(chars);
  }

  private static String namespace(int n) {
    return String.format("ns-%05d", n);
  }

  private static String key(String namespace, String name) {
    return CLUSTER + "/" + namespace + "//ConfigMap/" + name;
  }

  static String markdown(List<Result> results, int restoreLimit, String loadBefore, String loadAfter) {
    StringBuilder md = new StringBuilder();
    md.append("## Resources at scale: snapshot and point-in-time restore (`bench/run scale resources`)\n\n");
    md.append("`bench/run scale resources` (").append(Runtime.getRuntime().availableProcessors()).append(" cores, JDK ")
        .append(System.getProperty("java.vendor")).append(" ").append(System.getProperty("java.version"))
        .append(", max heap ").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB; load average before ")
        .append(loadBefore).append(", after ").append(loadAfter).append("). N ConfigMaps of ~1 KiB (")
        .append(PAYLOAD_CHARS).append(" random letters of data each) in N / ").append(String.format("%,d", PER_NAMESPACE))
        .append(" namespaces are written to the state table `lifeboat.resource-state` as the Streams application ")
        .append("writes it. The real resource snapshotter takes a whole-cluster snapshot into a repository in an S3 ")
        .append("server running as a process of its own. 1% of the objects are then changed and archived as change-log ")
        .append("segments. The point-in-time state (the snapshot plus those changes) is rebuilt and every document ")
        .append("read back and parsed; up to ").append(String.format("%,d", restoreLimit)).append(" objects, a ")
        .append("point-in-time restore (").append(RESTORE_PARALLELISM).append(" objects in flight) also creates every ")
        .append("object in the local Kubernetes API and a changed object is read back. Broker, registry and API server ")
        .append("run in a child JVM; this JVM, whose heap limit is the bound under test, holds Lifeboat alone. Heap: ")
        .append("the most in use right after any collection during the step, an upper bound of what the step kept ")
        .append("live (garbage not yet collected included).\n\n");
    md.append("| objects | namespaces | snapshot | per object | heap | documents | point-in-time state | per object | heap "
        + "| restore into the API | objects/s | heap |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      md.append(String.format(Locale.ROOT, "| %,d | %,d | %.1f s | %.0f µs | %,d MiB | %,d MiB | %.1f s | %.0f µs | %,d MiB ",
          r.objects(), r.namespaces(), r.snapshot().seconds(), r.snapshot().seconds() * 1e6 / r.objects(),
          r.snapshot().heapMiB(), r.snapshot().documentBytes() >> 20, r.state().seconds(),
          r.state().seconds() * 1e6 / r.objects(), r.state().heapMiB()));
      md.append(r.restore() == null ? "| not run | | |\n" : String.format(Locale.ROOT, "| %.1f s | %,.0f | %,d MiB |%n",
          r.restore().seconds(), r.restore().created() / r.restore().seconds(), r.restore().heapMiB()));
    }
    Result largest = results.get(results.size() - 1);
    md.append(String.format(Locale.ROOT, "%nTargets at 1M objects: < 1 GiB heap anywhere, resource snapshot < 2 min. "
        + "Largest run, %,d objects: snapshot %.1f s with at most %,d MiB of heap, point-in-time state %.1f s with at "
        + "most %,d MiB, in a JVM limited to %,d MiB.%n", largest.objects(), largest.snapshot().seconds(),
        largest.snapshot().heapMiB(), largest.state().seconds(), largest.state().heapMiB(),
        Runtime.getRuntime().maxMemory() >> 20));
    return md.toString();
  }

  private static void progress(String message) {
    System.err.println("[scale resources] " + message);
  }
}
