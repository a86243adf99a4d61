package dev.lifeboat.cli;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.ResourceChanges;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.commands.CommandsSettings;
import dev.lifeboat.commands.CommandsWorker;
import dev.lifeboat.commands.RestoreData;
import dev.lifeboat.commands.TargetClusters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.TreeMap;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The client commands against the real stack, found through an endpoints.json as a running demo
 * writes it, with the commands worker serving lifeboat.commands: a dry-run restore followed to its
 * end, a rejected one, a snapshot asked for and answered, the snapshot list from the topic and from
 * a store, and the audit trail of one command.
 */
@LifeboatIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientCommandsIT {
  private static final String CLUSTER = "demo";

  private Path dataDir;
  private TestStack stack;
  private WorkerRuntime runtime;
  private CommandsWorker worker;
  private String resourceSnapshot;
  private Repository repository;
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);

  @BeforeAll
  void start(TestStack testStack) throws Exception {
    stack = testStack;
    dataDir = Files.createTempDirectory("lifeboat-cli-it-");
    stack.stack().endpoints().write(dataDir.resolve("endpoints.json"));
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    Files.createDirectories(dataDir.resolve("keys"));
    Files.writeString(dataDir.resolve("keys/repository-master.key"), Base64.getEncoder().encodeToString(masterKey) + "\n");
    Repository repository = Repository.openOrCreate(TestStores.primary(stack, "lifeboat"), masterKey, ChunkerParams.DEFAULT,
        new SimpleMeterRegistry());
    this.repository = repository;
    resourceSnapshot = resourceSnapshot(repository, Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS));

    runtime = new WorkerRuntime(stack.kafka(), stack.registry(), new dev.lifeboat.audit.EventFactory(CLUSTER, "it", Clock.systemUTC()), new SimpleMeterRegistry(),
        new Health(Clock.systemUTC()), "it-cli-");
    var kube = stack.stack().kubernetes().orElseThrow();
    RestoreData data = new RestoreData(CLUSTER, () -> Optional.of(repository), masterKey);
    worker = CommandsWorker.start(runtime, new dev.lifeboat.audit.EventFactory(CLUSTER, "it", Clock.systemUTC()), CommandsSettings.defaults(), data,
        new TargetClusters(CLUSTER, kube::client, Path.of(stack.stack().endpoints().kubeconfig()), null), null);
  }

  @AfterAll
  void stop() throws Exception {
    worker.close();
    runtime.close();
    uploads.shutdownNow();
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private String resourceSnapshot(Repository repository, Instant cut) throws Exception {
    List<Manifest.Stream> streams = new ArrayList<>();
    for (String ns : List.of("blog", "shop")) {
      ByteArrayOutputStream lines = new ByteArrayOutputStream();
      for (String name : ns.equals("shop") ? List.of("db", "web") : List.of("posts")) {
        ResourceChanges object = ResourceChanges.in(CLUSTER).namespace(ns).configMap(name);
        lines.writeBytes(ResourceDocument.of(object.key(), object.added()).toLine());
      }
      streams.add(new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
          .write(ns, new ByteArrayInputStream(lines.toByteArray()), b -> {}).stream());
    }
    String id = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC)
        .format(cut) + "-c11c11";
    repository.manifests().write(new Manifest(Manifest.FORMAT, id, ResourceSnapshots.KIND, ResourceSnapshots.WHOLE_CLUSTER,
        CLUSTER, cut, null, SnapshotPhase.COMPLETED, streams, null, Map.of(ResourceSnapshots.CUT_TIME, cut.toString(),
        ResourceSnapshots.CHANGES_OFFSETS, "0:0")));
    return id;
  }


  private static String commandId(CliRun run) {
    String marker = "Command ";
    int at = run.out().indexOf(marker);
    return run.out().substring(at + marker.length(), at + marker.length() + 36);
  }

  @Test
  void aDryRunRestoreIsFollowedToItsEndAndItsAuditTrailReadsBack() {
    CliRun restore = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "-n", "shop", "--map", "shop=shop-copy", "--dry-run",
        "--wait", "--timeout", "PT60S");

    assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.OK);
    assertThat(restore.out()).contains("ACCEPTED", "STARTED", "SUCCEEDED", "command.restore", "objects=2",
        "namespaces=shop->shop-copy:2", "targetCluster=" + CLUSTER);

    String id = commandId(restore);
    CliRun tail = CliRun.lifeboat("audit", "tail", "--data-dir", dataDir.toString(), "--since", "10m", "--correlation-id", id);
    assertThat(tail.exit()).isZero();
    List<String> lines = tail.out().lines().toList();
    assertThat(lines).hasSizeGreaterThanOrEqualTo(3).allMatch(l -> l.contains("command.restore"));
    assertThat(lines.get(0)).contains("ACCEPTED");
    assertThat(lines.get(lines.size() - 1)).contains("SUCCEEDED");

    CliRun commandsOnly = CliRun.lifeboat("audit", "tail", "--data-dir", dataDir.toString(), "--since", "10m", "--action", "command.");
    assertThat(commandsOnly.out().lines()).isNotEmpty().allMatch(l -> l.contains(" command."));
    assertThat(commandsOnly.out()).contains("[" + id + "]");
  }

  @Test
  void controlPlaneFilesComeBackWithTheirModesThroughTheCommandsWorkerAndDirectlyIntoEmptyDirectoriesOnlyNamingTheirEtcdSnapshot()
      throws Exception {
    Path node = Files.createTempDirectory(dataDir, "node-");
    Path kubernetes = ControlPlaneTree.etcKubernetes(node);
    String etcdSnapshot = "20260101T000000Z-e7cd01";
    String nodeName = "control-plane-1";
    var source = new dev.lifeboat.snapshotter.controlplane.ControlPlaneSource(new dev.lifeboat.snapshotter.volume.VolumeSnapshotter(
        repository, uploads, Clock.systemUTC()), CLUSTER, nodeName, List.of(kubernetes.resolve("pki"), kubernetes.resolve("manifests")));
    String snapshotId = dev.lifeboat.snapshotter.SnapshotIds.next(Clock.systemUTC());
    source.take(dev.lifeboat.events.v1.SnapshotRequested.newBuilder()
        .setHeader(new dev.lifeboat.audit.EventFactory(CLUSTER, "it", Clock.systemUTC()).header("cp"))
        .setRequestId("cp").setKind(dev.lifeboat.events.v1.SnapshotKind.VOLUME).setTarget("control-plane/" + nodeName)
        .setReason(dev.lifeboat.events.v1.RequestReason.SCHEDULE).setNode(nodeName)
        .setParameters(Map.of("etcdSnapshotId", etcdSnapshot, "etcdManifestKey", "manifests/etcd/etcd/" + etcdSnapshot)).build(),
        snapshotId);
    List<CliRun> runs = new ArrayList<>();

    Path viaWorker = node.resolve("restored-by-the-worker");
    CliRun sent = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--kind", "control-plane", "--target-path",
        viaWorker.toString(), "--wait", "--timeout", "PT60S");
    runs.add(sent);
    assertThat(sent.exit()).as(sent.toString()).isEqualTo(ExitCodes.OK);
    assertThat(sent.out()).contains("SUCCEEDED", etcdSnapshot);
    ControlPlaneTree.assertSameFilesAndModes(kubernetes, viaWorker);

    Path direct = node.resolve("restored-directly");
    CliRun directRun = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--direct", "--kind", "control-plane",
        "--snapshot", snapshotId, "--target-path", direct.toString());
    runs.add(directRun);
    assertThat(directRun.exit()).as(directRun.toString()).isEqualTo(ExitCodes.OK);
    assertThat(directRun.out()).contains("SUCCEEDED restore", "etcdSnapshotId=" + etcdSnapshot, "volume=control-plane/" + nodeName);
    ControlPlaneTree.assertSameFilesAndModes(kubernetes, direct);

    CliRun intoFull = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--direct", "--kind", "control-plane",
        "--target-path", direct.toString());
    runs.add(intoFull);
    assertThat(intoFull.exit()).as(intoFull.toString()).isNotEqualTo(ExitCodes.OK);
    assertThat(intoFull.out() + intoFull.err()).contains("not an empty directory");
    CliRun notControlPlane = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--direct", "--kind", "control-plane",
        "--snapshot", resourceSnapshot, "--target-path", node.resolve("elsewhere").toString());
    runs.add(notControlPlane);
    assertThat(notControlPlane.exit()).isNotEqualTo(ExitCodes.OK);
    assertThat(Files.exists(node.resolve("elsewhere"))).isFalse();

    CliRun audit = CliRun.lifeboat("audit", "tail", "--data-dir", dataDir.toString(), "--since", "10m");
    runs.add(audit);
    assertThat(audit.out()).contains(etcdSnapshot);
    assertThat(runs).as("no private key's content in any output or audit event").allSatisfy(run ->
        assertThat(run.out() + run.err()).doesNotContain(ControlPlaneTree.KEY_BODY));
  }

  @Test
  void aRejectedRestoreExitsWithThreeAndSaysWhy() {
    CliRun restore = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--snapshot", "20200101T000000Z-000000", "--wait",
        "--timeout", "PT60S");
    assertThat(restore.exit()).as(restore.toString()).isEqualTo(ExitCodes.REJECTED);
    assertThat(restore.out()).contains("REJECTED", "unknown snapshot 20200101T000000Z-000000");

    CliRun sent = CliRun.lifeboat("restore", "--data-dir", dataDir.toString(), "--snapshot", resourceSnapshot, "--dry-run");
    assertThat(sent.exit()).isZero();
    assertThat(sent.out()).contains("sent", "lifeboat audit tail --follow --correlation-id");
  }

  @Test
  void aSnapshotAskedForIsListedWithWhatTheSnapshotterReported() throws Exception {
    Thread snapshotter = new Thread(() -> {
      List<SnapshotRequested> requests = stack.read(Topics.SNAPSHOT_REQUESTS, SnapshotRequested.class, Duration.ofSeconds(60),
          l -> l.stream().anyMatch(r -> r.getReason() == RequestReason.COMMAND && r.getKind() == SnapshotKind.ETCD));
      SnapshotRequested request = requests.stream().filter(r -> r.getReason() == RequestReason.COMMAND).findFirst().orElseThrow();
      stack.send(Topics.SNAPSHOTS, "20260301T100000Z-e7cd00", SnapshotCompleted.newBuilder()
          .setHeader(stack.events("snapshotter").header(request.getRequestId())).setSnapshotId("20260301T100000Z-e7cd00")
          .setRequestId(request.getRequestId()).setKind(SnapshotKind.ETCD).setTarget("etcd").setPhase(SnapshotPhase.COMPLETED)
          .setRepository("it").setManifestKey("manifests/etcd/etcd/20260301T100000Z-e7cd00").setManifestSha256("0")
          .setTotalBytes(3 * 1024 * 1024).setNewBytes(1024).setChunkCount(3).setNewChunkCount(1).setItemCount(1)
          .setStartedAt(Instant.parse("2026-03-01T10:00:00Z")).setDurationMillis(120).build());
    });
    snapshotter.start();
    CliRun now = CliRun.lifeboat("snapshots", "now", "--data-dir", dataDir.toString(), "--kind", "etcd", "--wait", "--timeout", "PT60S");
    snapshotter.join(60_000);
    assertThat(now.exit()).as(now.toString()).isEqualTo(ExitCodes.OK);
    assertThat(now.out()).contains("command.snapshot-now", "snapshot 20260301T100000Z-e7cd00 of ETCD/etcd completed");

    stack.send(Topics.SNAPSHOTS, "20260301T110000Z-fa11ed", SnapshotFailed.newBuilder()
        .setHeader(stack.events("snapshotter").header("r")).setSnapshotId("20260301T110000Z-fa11ed").setKind(SnapshotKind.VOLUME)
        .setTarget("pvc-1").setReason("the volume's files are not there").setRetriable(false)
        .setStartedAt(Instant.parse("2026-03-01T11:00:00Z")).setDurationMillis(5).build());
    CliRun list = CliRun.lifeboat("snapshots", "list", "--data-dir", dataDir.toString());
    assertThat(list.exit()).as(list.toString()).isZero();
    List<String> lines = list.out().lines().toList();
    assertThat(lines.get(0)).startsWith("ID").contains("KIND", "TARGET", "PHASE", "TIME (UTC)", "SIZE");
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("20260301T100000Z-e7cd00", "etcd", "COMPLETED",
        "2026-03-01 10:00:00", "3.0 MiB"));
    assertThat(lines).anySatisfy(l -> assertThat(l).contains("20260301T110000Z-fa11ed", "volume", "pvc-1", "FAILED",
        "the volume's files are not there"));
    CliRun etcdOnly = CliRun.lifeboat("snapshots", "list", "--data-dir", dataDir.toString(), "--kind", "etcd");
    assertThat(etcdOnly.out()).contains("20260301T100000Z-e7cd00").doesNotContain("20260301T110000Z-fa11ed");
  }

  @Test
  void theManifestsOfAStoreAreListedWithPhaseAndSize() {
    CliRun list = CliRun.lifeboat("snapshots", "list", "--data-dir", dataDir.toString(), "--store", "primary");
    assertThat(list.exit()).as(list.toString()).isZero();
    assertThat(list.out()).contains(resourceSnapshot, "resources", "cluster", "COMPLETED", "in store primary");
    CliRun unknown = CliRun.lifeboat("snapshots", "list", "--data-dir", dataDir.toString(), "--store", "nowhere");
    assertThat(unknown.exit()).isEqualTo(ExitCodes.ERROR);
    assertThat(unknown.err()).contains("no store named 'nowhere'", "primary", "offsite");
  }

  /**
   * A listing only reads. With the index files gone (as after a writer that stopped before writing
   * one), opening the repository would index the packs from their headers and write a new index file.
   */
  @Test
  void listingTheManifestsOfAStoreWritesNothingToIt() {
    BlobStore primary = TestStores.primary(stack, "lifeboat");
    Map<String, byte[]> indexes = new TreeMap<>();
    primary.list("index/", info -> indexes.put(info.key(), primary.get(info.key()).orElseThrow()));
    indexes.keySet().forEach(primary::delete);
    try {
      List<String> before = keys(primary);
      CliRun list = CliRun.lifeboat("snapshots", "list", "--data-dir", dataDir.toString(), "--store", "primary");
      assertThat(list.exit()).as(list.toString()).isZero();
      assertThat(list.out()).contains(resourceSnapshot, "COMPLETED");
      assertThat(keys(primary)).isEqualTo(before);
    } finally {
      indexes.forEach(primary::putIfAbsent);
    }
  }

  private static List<String> keys(BlobStore store) {
    List<String> keys = new ArrayList<>();
    store.list("", info -> keys.add(info.key()));
    return keys;
  }

  @Test
  void theCheckOfASoundStoreReadsItsDataAndExitsZero() {
    CliRun check = CliRun.lifeboat("check", "--data-dir", dataDir.toString(), "--store", "primary", "--read-data");
    assertThat(check.exit()).as(check.toString()).isZero();
    assertThat(check.out()).contains("snapshots", "read:", "every chunk authenticated", "no problems found");
    assertThat(check.err()).as("progress goes to stderr, one line per phase off a terminal").contains("manifests: ", "read packs: done");
    CliRun share = CliRun.lifeboat("check", "--data-dir", dataDir.toString(), "--store", "primary", "--read-data", "0%");
    assertThat(share.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(share.err()).contains("--read-data takes a share above 0 and at most 100%");
  }
}
