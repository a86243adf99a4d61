package dev.lifeboat.snapshotter.csi;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.events.v1.Header;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotRequestHandler;
import dev.lifeboat.snapshotter.VolumeSource;
import dev.lifeboat.snapshotter.csi.TestSnapshotController.Behaviour;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import dev.lifeboat.testing.TestStack;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CSI snapshots against the local Kubernetes API, with a test thread in the role of the CSI snapshot
 * controller and driver, recorded in a repository on the embedded S3 server.
 */
@LifeboatIntegrationTest
class CsiSnapshotterIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final TestStack stack;
  private final KubernetesClient client;
  private final Repository repository;
  /** A namespace and a CSI driver of this test alone: the API server is shared and snapshot classes are cluster-wide. */
  private final String ns = "csi-" + UUID.randomUUID().toString().substring(0, 8);
  private final String driver = ns + ".csi.example.com";
  private final List<AutoCloseable> closing = new ArrayList<>();

  CsiSnapshotterIT(TestStack stack) {
    this.stack = stack;
    this.client = stack.stack().kubernetes().orElseThrow().client();
    this.repository = Repository.openOrCreate(TestStores.primary(stack, "csi-" + UUID.randomUUID()), new byte[32],
        ChunkerParams.DEFAULT, new SimpleMeterRegistry());
    TestSnapshotController.installCrds(client);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  @Test
  void aReadySnapshotIsRecordedInAManifestWithItsHandleAndTheDriversDefaultClass() {
    TestSnapshotController.snapshotClass(client, ns + "-other", driver, false);
    TestSnapshotController.snapshotClass(client, ns + "-default", driver, true);
    TestSnapshotController controller = controller(Behaviour.READY);
    PersistentVolumeClaim pvc = boundClaim("data");

    CsiSnapshotter.Result result = snapshotter(TIMEOUT).snapshot(request(pvc), "test", "20260101T120000Z-0a1b2c");

    String name = "lifeboat-20260101t120000z-0a1b2c";
    Manifest manifest = repository.manifests().read(result.written().key()).orElseThrow();
    assertThat(manifest.kind()).isEqualTo(SnapshotKind.VOLUME);
    assertThat(manifest.target()).isEqualTo(pvc.getMetadata().getUid());
    assertThat(manifest.snapshotId()).isEqualTo("20260101T120000Z-0a1b2c");
    assertThat(manifest.phase()).isEqualTo(SnapshotPhase.COMPLETED);
    assertThat(manifest.files()).isNull();
    assertThat(manifest.streams()).isNull();
    assertThat(manifest.details())
        .containsEntry("method", "csi")
        .containsEntry("namespace", ns)
        .containsEntry("pvc", "data")
        .containsEntry("driver", driver)
        .containsEntry("volumeSnapshot", name)
        .containsEntry("volumeSnapshotClass", ns + "-default")
        .containsEntry("deletionPolicy", "Retain")
        .containsEntry("snapshotHandle", controller.handleOf(name))
        .containsEntry("restoreSize", Long.toString(TestSnapshotController.RESTORE_SIZE))
        .containsEntry("creationTime", "2026-01-01T12:00:00Z")
        .containsKeys("volumeSnapshotContent", "readyAt");
    assertThat(controller.handleOf(name)).startsWith("snap-");
    assertThat(Instant.parse(manifest.details().get("readyAt"))).isAfter(Instant.now().minus(TIMEOUT));
    assertThat(result.restoreSize()).isEqualTo(TestSnapshotController.RESTORE_SIZE);

    GenericKubernetesResource snapshot = volumeSnapshots().withName(name).get();
    assertThat(snapshot.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "lifeboat")
        .containsEntry("lifeboat.dev/snapshot-id", "20260101T120000Z-0a1b2c")
        .containsEntry("lifeboat.dev/pvc-uid", pvc.getMetadata().getUid());
    assertThat(snapshot.<String>get("spec", "source", "persistentVolumeClaimName")).isEqualTo("data");
    assertThat(snapshot.<String>get("spec", "volumeSnapshotClassName")).isEqualTo(ns + "-default");
  }

  @Test
  void requestsOnKafkaEndInSnapshotCompletedWithTheHandleOrSnapshotFailedWithTheReason() throws Exception {
    TestSnapshotController.snapshotClass(client, ns + "-class", driver, true);
    TestSnapshotController controller = controller(Behaviour.READY);
    PersistentVolumeClaim data = boundClaim("data");
    String classless = "none." + driver;
    PersistentVolumeClaim logs = boundClaim("logs", classless);
    ExecutorService uploads = Executors.newFixedThreadPool(2);
    try (WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"),
        new SimpleMeterRegistry(), new Health(Clock.systemUTC()), "it-")) {
      VolumeSource volumes = new VolumeSource(new VolumeSnapshotter(repository, uploads, Clock.systemUTC()),
          () -> snapshotter(TIMEOUT), "test", "");
      String requests = stack.newTopic("csi-requests", 1);
      runtime.start(WorkerDefinition.of("snapshotter-" + requests, requests, new SnapshotRequestHandler(
          Map.of(SnapshotKind.VOLUME, volumes), repository, stack.events("snapshotter"), runtime.audit(), Clock.systemUTC())));

      SnapshotRequested ok = request(data);
      SnapshotRequested noClass = request(logs.getMetadata().getUid(), ns, "logs", classless);
      SnapshotRequested noClaim = request(UUID.randomUUID().toString(), ns, "gone", driver);
      for (SnapshotRequested r : List.of(ok, noClass, noClaim)) {
        stack.send(requests, r.getTarget(), r);
      }

      SnapshotCompleted completed = stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, TIMEOUT,
          l -> l.stream().anyMatch(c -> c.getRequestId().equals(ok.getRequestId()))).stream()
          .filter(c -> c.getRequestId().equals(ok.getRequestId())).findFirst().orElseThrow();
      assertThat(completed.getKind()).isEqualTo(SnapshotKind.VOLUME);
      assertThat(completed.getTarget()).isEqualTo(data.getMetadata().getUid());
      assertThat(completed.getPhase()).isEqualTo(SnapshotPhase.COMPLETED);
      assertThat(completed.getTotalBytes()).isEqualTo(TestSnapshotController.RESTORE_SIZE);
      assertThat(completed.getNewBytes()).isZero();
      String name = completed.getDetails().get("volumeSnapshot");
      assertThat(completed.getDetails()).containsEntry("method", "csi")
          .containsEntry("snapshotHandle", controller.handleOf(name))
          .containsEntry("volumeSnapshotClass", ns + "-class");
      assertThat(controller.handleOf(name)).isNotNull();
      assertThat(repository.manifests().read(completed.getManifestKey())).hasValueSatisfying(m ->
          assertThat(m.details()).containsEntry("snapshotHandle", controller.handleOf(name)));

      List<SnapshotFailed> failed = stack.read(Topics.SNAPSHOTS, SnapshotFailed.class, TIMEOUT,
          l -> l.stream().filter(f -> f.getRequestId().equals(noClass.getRequestId())
              || f.getRequestId().equals(noClaim.getRequestId())).count() == 2);
      assertThat(failed).filteredOn(f -> f.getRequestId().equals(noClass.getRequestId())).singleElement().satisfies(f -> {
        assertThat(f.getRetriable()).isFalse();
        assertThat(f.getReason()).contains("No VolumeSnapshotClass for CSI driver " + classless)
            .contains("claim " + ns + "/logs").contains("create one");
      });
      assertThat(failed).filteredOn(f -> f.getRequestId().equals(noClaim.getRequestId())).singleElement().satisfies(f -> {
        assertThat(f.getRetriable()).isFalse();
        assertThat(f.getReason()).contains("PersistentVolumeClaim " + ns + "/gone does not exist");
      });
    } finally {
      uploads.shutdownNow();
    }
  }

  @Test
  void withoutAClassForTheDriverNothingIsCreatedAndTheFailureSaysWhatToCreate() {
    TestSnapshotController.snapshotClass(client, ns + "-elsewhere", "other." + driver, true);
    controller(Behaviour.READY);
    PersistentVolumeClaim pvc = boundClaim("data");

    assertThatThrownBy(() -> snapshotter(TIMEOUT).snapshot(request(pvc), "test", snapshotId()))
        .isInstanceOf(PermanentFailure.class)
        .satisfies(e -> assertThat(ErrorClassifier.isRetriable(e)).isFalse())
        .hasMessageContaining("No VolumeSnapshotClass for CSI driver " + driver)
        .hasMessageContaining("claim " + ns + "/data")
        .hasMessageContaining("driver: " + driver)
        .hasMessageContaining("snapshotter.csiSnapshotClass");
    assertThat(volumeSnapshots().list().getItems()).isEmpty();
  }

  @Test
  void aDriverErrorFailsTheSnapshotWithTheDriversMessageAndTheVolumeSnapshotIsDeleted() {
    TestSnapshotController.snapshotClass(client, ns + "-class", driver, true);
    closing.add(TestSnapshotController.failing(client, ns, driver,
        "Failed to check and update snapshot content: rpc error: code = ResourceExhausted desc = snapshot quota exceeded"));
    PersistentVolumeClaim pvc = boundClaim("data");

    assertThatThrownBy(() -> snapshotter(TIMEOUT).snapshot(request(pvc), "test", snapshotId()))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("CSI driver " + driver + " could not snapshot claim " + ns + "/data")
        .hasMessageContaining("rpc error: code = ResourceExhausted desc = snapshot quota exceeded")
        .hasMessageContaining("Lifeboat deleted VolumeSnapshot " + ns + "/lifeboat-");
    assertThat(volumeSnapshots().list().getItems()).isEmpty();
  }

  @Test
  void aSnapshotNobodyMakesReadyTimesOutSayingAfterHowLongAndWhatItWasLeftAt() {
    TestSnapshotController.snapshotClass(client, ns + "-class", driver, true);
    controller(Behaviour.SILENT);
    PersistentVolumeClaim pvc = boundClaim("data");

    long began = System.nanoTime();
    assertThatThrownBy(() -> snapshotter(Duration.ofSeconds(2)).snapshot(request(pvc), "test", snapshotId()))
        .isInstanceOf(PermanentFailure.class)
        .satisfies(e -> assertThat(ErrorClassifier.isRetriable(e)).isFalse())
        .hasMessageContaining("Timed out after 2s: VolumeSnapshot " + ns + "/lifeboat-")
        .hasMessageContaining("of claim " + ns + "/data (class " + ns + "-class, driver " + driver + ") was not ready to use")
        .hasMessageContaining("it has no status yet: no snapshot controller has taken it up")
        .hasMessageContaining("Lifeboat deleted VolumeSnapshot")
        .hasMessageContaining("raise snapshotter.csiTimeout");
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    assertThat(volumeSnapshots().list().getItems()).isEmpty();
  }

  @Test
  void aSnapshotCutButNeverReadyTimesOutNamingItsContent() {
    TestSnapshotController.snapshotClass(client, ns + "-class", driver, true);
    controller(Behaviour.CUT);
    PersistentVolumeClaim pvc = boundClaim("data");

    assertThatThrownBy(() -> snapshotter(Duration.ofSeconds(2)).snapshot(request(pvc), "test", snapshotId()))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("Timed out after 2s")
        .hasMessageContaining("readyToUse=false, bound to VolumeSnapshotContent snapcontent-")
        .hasMessageContaining("(cut, but not ready to use)");
    assertThat(volumeSnapshots().list().getItems()).isEmpty();
  }

  @Test
  void aClaimThatDoesNotExistIsAPermanentFailureNamingIt() {
    TestSnapshotController.snapshotClass(client, ns + "-class", driver, true);
    SnapshotRequested request = request(UUID.randomUUID().toString(), ns, "gone", driver);

    assertThatThrownBy(() -> snapshotter(TIMEOUT).snapshot(request, "test", snapshotId()))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("PersistentVolumeClaim " + ns + "/gone does not exist");
    assertThat(volumeSnapshots().list().getItems()).isEmpty();
  }

  @Test
  void aRetriedRequestTakesUpTheVolumeSnapshotItsFirstAttemptCreated() {
    TestSnapshotController.snapshotClass(client, ns + "-class", driver, true);
    PersistentVolumeClaim pvc = boundClaim("data");
    SnapshotRequested request = request(pvc);
    // what a first attempt left when the API went away while it waited
    new VolumeSnapshots(client).create(ns, "data", pvc.getMetadata().getUid(), ns + "-class", "20260101T000000Z-first0",
        request.getRequestId());
    controller(Behaviour.READY);

    CsiSnapshotter.Result result = snapshotter(TIMEOUT).snapshot(request, "test", "20260101T000100Z-second");

    assertThat(result.manifest().details()).containsEntry("volumeSnapshot", "lifeboat-20260101t000000z-first0");
    assertThat(result.manifest().snapshotId()).isEqualTo("20260101T000100Z-second");
    assertThat(volumeSnapshots().list().getItems()).extracting(s -> s.getMetadata().getName())
        .containsExactly("lifeboat-20260101t000000z-first0");
  }

  @Test
  void anApiServerThatCannotBeReachedIsRetriableAndWritesNothing() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (KubernetesClient unreachable = new KubernetesClientBuilder().withConfig(new ConfigBuilder(Config.empty())
        .withMasterUrl("http://127.0.0.1:" + port).withRequestRetryBackoffLimit(0).withConnectionTimeout(1_000)
        .withRequestTimeout(2_000).build()).build()) {
      SnapshotRequested request = request(UUID.randomUUID().toString(), ns, "data", driver);
      assertThatThrownBy(() -> new CsiSnapshotter(unreachable, repository, Clock.systemUTC(), TIMEOUT, "")
          .snapshot(request, "test", snapshotId()))
          .isInstanceOf(RetriableFailure.class)
          .satisfies(e -> assertThat(ErrorClassifier.isRetriable(e)).isTrue())
          .hasMessageContaining("could not read PersistentVolumeClaim " + ns + "/data: the Kubernetes API could not be reached");
      assertThat(repository.manifests().list(SnapshotKind.VOLUME, request.getTarget())).isEmpty();
    }
  }

  private CsiSnapshotter snapshotter(Duration timeout) {
    return new CsiSnapshotter(client, repository, Clock.systemUTC(), timeout, "", Duration.ofMillis(50),
        Duration.ofMillis(250));
  }

  private TestSnapshotController controller(Behaviour behaviour) {
    TestSnapshotController controller = TestSnapshotController.start(client, ns, driver, behaviour);
    closing.add(controller);
    return controller;
  }

  private io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<GenericKubernetesResource,
      io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
      io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>> volumeSnapshots() {
    return client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(ns);
  }

  /** A claim bound to a CSI volume of this test's driver. */
  private PersistentVolumeClaim boundClaim(String name) {
    return boundClaim(name, driver);
  }

  private PersistentVolumeClaim boundClaim(String name, String csiDriver) {
    String pv = "pv-" + ns + "-" + name;
    PersistentVolumeClaim pvc = client.persistentVolumeClaims().inNamespace(ns).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withNamespace(ns).withName(name).endMetadata()
        .withNewSpec().withStorageClassName("fast").withAccessModes("ReadWriteOnce").withVolumeName(pv)
        .withNewResources().addToRequests("storage", new Quantity("5Gi")).endResources().endSpec()
        .withNewStatus().withPhase("Bound").addToCapacity("storage", new Quantity("5Gi")).endStatus()
        .build()).create();
    client.persistentVolumes().resource(new PersistentVolumeBuilder()
        .withNewMetadata().withName(pv).endMetadata()
        .withNewSpec().withStorageClassName("fast").addToCapacity("storage", new Quantity("5Gi"))
        .withAccessModes("ReadWriteOnce")
        .withNewClaimRef().withNamespace(ns).withName(name).withUid(pvc.getMetadata().getUid()).endClaimRef()
        .withNewCsi().withDriver(csiDriver).withVolumeHandle("vol-" + name).endCsi().endSpec()
        .withNewStatus().withPhase("Bound").endStatus()
        .build()).create();
    return pvc;
  }

  private SnapshotRequested request(PersistentVolumeClaim pvc) {
    return request(pvc.getMetadata().getUid(), ns, pvc.getMetadata().getName(), driver);
  }

  /** A request as the watcher makes it for a volume policy with method csi. */
  static SnapshotRequested request(String pvcUid, String namespace, String pvc, String csiDriver) {
    String id = UUID.randomUUID().toString();
    return SnapshotRequested.newBuilder()
        .setHeader(Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(Instant.now())
            .setCluster("test").setSource("it").setCorrelationId(id).build())
        .setRequestId(id).setKind(SnapshotKind.VOLUME).setTarget(pvcUid).setReason(RequestReason.VOLUME_EVENT)
        .setParameters(Map.of("method", "csi", "namespace", namespace, "pvc", pvc, "storageClass", "fast",
            "csiDriver", csiDriver))
        .build();
  }

  private static String snapshotId() {
    return "20260101T120000Z-" + UUID.randomUUID().toString().substring(0, 6);
  }
}
