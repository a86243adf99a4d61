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
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.Endpoints;
import dev.lifeboat.embedded.Ports;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schedule.VolumePolicy;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import dev.lifeboat.watcher.WatcherConfig;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.TopicPartition;

/**
 * The region-loss drill at scale, measured: a protected cluster of many namespaces and volumes is
 * backed up and copied off-region by Lifeboat's own workers (watcher, snapshotter reading the volumes'
 * files, replicator) in one process as {@code lifeboat run} runs them; the region is then lost (the
 * process, Kafka, the primary store, the cluster stopped and their data deleted), and {@code lifeboat
 * restore --direct} restores every namespace with its volume data into a new cluster from the
 * off-region store alone ({@link DrRecovery}). The run fails, and writes nothing, unless every object
 * and every file came back.
 */
public final class DrBenchmark {
  static final String CLUSTER = "bench";
  static final String MARKER = "dr-last-change";
  private static final Duration WAIT = Duration.ofMinutes(30);

  /** What the protected side left behind for the recovery to be compared with. */
  record Protected(List<DrWorkload.Claim> claims, Map<String, Object> objects, List<String> namespaces, Instant lastChange,
      double populateSeconds, double offRegionSeconds, long changes) {}

  /** A drill's two halves: what was protected, and what the restore made of it. */
  record Drill(Protected source, DrRecovery.Outcome outcome) {}

  public static void main(String[] args) throws Exception {
    Path report = Path.of(args.length > 0 ? args[0] : "docs/BENCHMARKS.md");
    int namespaces = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int perNamespace = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    int volumes = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    int volumeMiB = args.length > 4 ? Integer.parseInt(args[4]) : 100;
    String loadBefore = loadAverage();
    Path dir = Files.createTempDirectory("lifeboat-bench-dr-");
    int status;
    try {
      Drill drill = drill(dir, namespaces, perNamespace, volumes, volumeMiB);
      String loadAfter = loadAverage();
      List<String> problems = drill.outcome().problems();
      if (!problems.isEmpty()) {
        System.out.println("INCOMPLETE: the restored cluster is not what was protected; no figure is reported.");
        problems.stream().limit(50).forEach(p -> System.out.println("  " + p));
        System.out.println(problems.size() + " problems in all");
        status = 1;
      } else {
        String md = DrReport.markdown(namespaces, perNamespace, volumes, volumeMiB, drill.source(), drill.outcome(),
            loadBefore, loadAfter);
        System.out.print(md);
        BenchmarkReport.write(report, "dr", md);
        status = 0;
      }
    } finally {
      BenchFiles.deleteTree(dir);
    }
    progress("done");
    System.exit(status); // idle OkHttp threads of the S3 client would keep the JVM up for another minute
  }

  /** Runs the whole drill in {@code dir}: protect, lose the region, recover, compare. */
  static Drill drill(Path dir, int namespaces, int perNamespace, int volumes, int volumeMiB) throws Exception {
    byte[] masterKey = randomKey();
    byte[] dataKey = randomKey();
    Protected source = protect(dir.resolve("region"), dir.resolve("surviving"), masterKey, dataKey, namespaces,
        perNamespace, volumes, volumeMiB);
    return new Drill(source, new DrRecovery(dir, masterKey, dataKey).recover(source));
  }

  /** Builds the protected cluster, lets Lifeboat protect it until the off-region store holds it all, then loses the region. */
  private static Protected protect(Path region, Path surviving, byte[] masterKey, byte[] dataKey, int namespaces,
      int perNamespace, int volumes, int volumeMiB) throws Exception {
    EmbeddedStack.Options options = new EmbeddedStack.Options(region, 0, 0, 0, 0, 0, 0, false, true);
    Protected result;
    try (EmbeddedStack stack = EmbeddedStack.start(options)) {
      Endpoints e = stack.endpoints();
      KubernetesClient kube = stack.kubernetes().orElseThrow().client();
      try (LifeboatProcess process = new LifeboatProcess(config(stack, masterKey, dataKey), "bench")
              .only(Set.of("watcher", "snapshotter", "replicator")).start();
          TopicRecords changes = new TopicRecords(e.kafkaBootstrapServers(), e.schemaRegistryUrl(), Topics.RESOURCE_CHANGES);
          TopicRecords snapshots = new TopicRecords(e.kafkaBootstrapServers(), e.schemaRegistryUrl(), Topics.SNAPSHOTS);
          TopicRecords replications = new TopicRecords(e.kafkaBootstrapServers(), e.schemaRegistryUrl(),
              Topics.REPLICATIONS)) {
        progress("workers " + process.workers());
        DrWorkload workload = new DrWorkload(kube, namespaces, perNamespace);
        long t0 = System.nanoTime();
        long objects = workload.createObjects(4);
        progress(String.format("created %,d namespaces and objects in %.1f s", objects, (System.nanoTime() - t0) / 1e9));
        List<DrWorkload.Claim> claims = workload.createClaims(region.resolve("volumes"), volumes, volumeMiB);
        double populated = (System.nanoTime() - t0) / 1e9;
        long populatedAt = System.nanoTime();
        progress(String.format("wrote %d volumes of %d MiB and their claims; populated in %.1f s", volumes, volumeMiB, populated));

        Set<String> uids = claims.stream().map(DrWorkload.Claim::uid).collect(Collectors.toSet());
        snapshots.await("a volume snapshot of every claim", WAIT,
            f -> f.values(SnapshotCompleted.class).stream().filter(s -> s.getKind() == SnapshotKind.VOLUME)
                .map(s -> s.getTarget().toString()).collect(Collectors.toSet()).containsAll(uids),
            f -> f.values(SnapshotFailed.class).stream().filter(s -> s.getKind() == SnapshotKind.VOLUME && !s.getRetriable())
                .map(s -> "snapshot of claim " + s.getTarget() + " failed: " + s.getReason()).findFirst().orElse(null));
        progress(String.format("every claim snapshotted %.1f s after the last write", (System.nanoTime() - populatedAt) / 1e9));

        // the last change before the region is lost, made after every volume snapshot
        kube.configMaps().inNamespace(DrWorkload.namespace(0)).resource(new ConfigMapBuilder().withNewMetadata()
            .withName(MARKER).endMetadata().addToData("at", Instant.now().toString()).build()).create();
        List<String> names = workload.namespaceNames();
        Map<String, Object> objectsNow = DrObjects.capture(kube, names);
        Set<String> expected = objectsNow.keySet().stream().map(DrBenchmark::kindKey).collect(Collectors.toSet());
        changes.await("every object's change on " + Topics.RESOURCE_CHANGES, WAIT,
            f -> seen(f).containsAll(expected), f -> null);
        Map<TopicPartition, Long> ends = changes.catchUp();
        replications.await("the off-region copy of every change and every claim's snapshot", WAIT,
            f -> offsiteHolds(f, ends) && f.values(SnapshotReplicated.class).stream()
                .filter(r -> r.getStore().toString().equals("offsite") && r.getKind() == SnapshotKind.VOLUME)
                .map(r -> r.getTarget().toString()).collect(Collectors.toSet()).containsAll(uids),
            f -> null);
        double offRegion = (System.nanoTime() - populatedAt) / 1e9;
        progress(String.format("the off-region store holds everything %.1f s after the last write", offRegion));

        process.close(); // the region is lost: nothing more is written
        changes.catchUp();
        Instant last = changes.records().stream().map(r -> Instant.ofEpochMilli(r.timestamp())).max(Instant::compareTo)
            .orElseThrow();
        result = new Protected(claims, objectsNow, names, last, populated, offRegion, changes.records().size());
      }
    }
    // Kafka, the primary store, the cluster: their data deleted. The off-region bucket survives elsewhere.
    Files.createDirectories(surviving);
    Files.move(region.resolve("s3-offsite"), surviving.resolve("s3-offsite"));
    BenchFiles.deleteTree(region);
    progress("region lost: Kafka, the primary store, the cluster and its volumes deleted");
    return result;
  }

  /** {@code Kind namespace/name} of every change read so far. */
  private static Set<String> seen(TopicRecords changes) {
    Set<String> seen = new HashSet<>();
    for (ResourceChanged c : changes.values(ResourceChanged.class)) {
      seen.add(c.getKind() + " " + c.getNamespace() + "/" + c.getName());
    }
    return seen;
  }

  private static String kindKey(String captureKey) {
    int space = captureKey.indexOf(' ');
    return captureKey.substring(captureKey.lastIndexOf('/', space) + 1);
  }

  /** Whether change-log segments copied to the off-region store reach every partition's end offset in {@code ends}. */
  private static boolean offsiteHolds(TopicRecords replications, Map<TopicPartition, Long> ends) {
    List<ChangeLogSegmentReplicated> copied = replications.values(ChangeLogSegmentReplicated.class).stream()
        .filter(r -> r.getStore().toString().equals("offsite") && r.getCluster().toString().equals(CLUSTER)).toList();
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      if (end.getValue() > 0 && copied.stream().noneMatch(r -> r.getPartition() == end.getKey().partition()
          && r.getLastOffset() >= end.getValue() - 1)) {
        return false;
      }
    }
    return true;
  }

  /** What a lifeboat.yaml for the embedded stack would say: every worker at its defaults, claims of "standard" on change. */
  private static LifeboatConfig config(EmbeddedStack stack, byte[] masterKey, byte[] dataKey) {
    Endpoints e = stack.endpoints();
    List<StoreConfig> stores = e.stores().stream()
        .map(s -> new StoreConfig(s.name(), s.endpoint(), s.bucket(), "lifeboat", s.accessKey(), s.secretKey(), null))
        .toList();
    return new LifeboatConfig(
        new ClusterConfig(CLUSTER),
        new KafkaConfig(e.kafkaBootstrapServers(), "lifeboat-", 1, KafkaClients.DEFAULT_COMPRESSION, Map.of()),
        new RegistryConfig(e.schemaRegistryUrl()),
        new StoresConfig(stores.get(0), stores.subList(1, stores.size())),
        new KubernetesConfig(e.kubeconfig(), null),
        Optional.empty(),
        new StatusConfig("127.0.0.1", Ports.preferredOrFree("status", 0)),
        Optional.of(new EncryptionConfig(DrRecovery.KEY_ID, Map.of(DrRecovery.KEY_ID, dataKey))),
        new RepositoryConfig(masterKey),
        RetentionConfig.defaults())
        .with(WatcherConfig.SECTION, WatcherConfig.defaults().withVolumePolicies(
            List.of(new VolumePolicy(DrWorkload.STORAGE_CLASS, null, VolumePolicy.Mode.ON_CHANGE, null))))
        .with(SnapshotterConfig.SECTION, new SnapshotterConfig(true, masterKey, Duration.ofMinutes(15), "", 2));
  }

  private static byte[] randomKey() {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    return key;
  }

  static String loadAverage() throws java.io.IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
    return f[0] + " " + f[1] + " " + f[2];
  }

  static void progress(String message) {
    System.err.println("[dr] " + message);
  }
}
