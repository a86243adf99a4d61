package dev.lifeboat.snapshotter.csi;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the CSI snapshot controller and a driver's csi-snapshotter sidecar for one namespace: it
 * watches VolumeSnapshots (an informer) and answers each new one as told. READY creates a bound
 * VolumeSnapshotContent with a snapshot handle, restore size and creation time, then marks the
 * VolumeSnapshot ready to use; ERROR reports a driver error in the VolumeSnapshot's status; CUT
 * binds a content but never marks it ready; SILENT does nothing, like a cluster whose controller is
 * not running.
 */
final class TestSnapshotController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TestSnapshotController.class);
  static final long RESTORE_SIZE = 5L << 30;

  enum Behaviour { READY, ERROR, CUT, SILENT }

  private final KubernetesClient client;
  private final String driver;
  private final Behaviour behaviour;
  private final String errorMessage;
  private final Set<String> answered = ConcurrentHashMap.newKeySet();
  private final Map<String, String> handles = new ConcurrentHashMap<>();
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-snapshot-controller"));
  private final SharedIndexInformer<GenericKubernetesResource> informer;

  private TestSnapshotController(KubernetesClient client, String namespace, String driver, Behaviour behaviour,
      String errorMessage) {
    this.client = client;
    this.driver = driver;
    this.behaviour = behaviour;
    this.errorMessage = errorMessage;
    this.informer = client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(namespace)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(GenericKubernetesResource snapshot) {
            if (answered.add(snapshot.getMetadata().getName())) {
              worker.submit(() -> answer(snapshot));
            }
          }

          @Override
          public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {}

          @Override
          public void onDelete(GenericKubernetesResource snapshot, boolean finalStateUnknown) {}
        });
  }

  static TestSnapshotController start(KubernetesClient client, String namespace, String driver, Behaviour behaviour) {
    return new TestSnapshotController(client, namespace, driver, behaviour, null);
  }

  static TestSnapshotController failing(KubernetesClient client, String namespace, String driver, String message) {
    return new TestSnapshotController(client, namespace, driver, Behaviour.ERROR, message);
  }

  /** The snapshot handle given to the VolumeSnapshot {@code name}, once answered READY or CUT. */
  String handleOf(String name) {
    return handles.get(name);
  }

  /** Registers the three snapshot.storage.k8s.io/v1 kinds as the external-snapshotter's CRDs do, unless they are. */
  static void installCrds(KubernetesClient client) {
    crd(client, "volumesnapshots", "VolumeSnapshot", "Namespaced");
    crd(client, "volumesnapshotclasses", "VolumeSnapshotClass", "Cluster");
    crd(client, "volumesnapshotcontents", "VolumeSnapshotContent", "Cluster");
  }

  /** A VolumeSnapshotClass of {@code driver}; {@code isDefault} adds the default-class annotation. */
  static GenericKubernetesResource snapshotClass(KubernetesClient client, String name, String driver, boolean isDefault) {
    return client.genericKubernetesResources(SnapshotApi.CLASSES).resource(new GenericKubernetesResourceBuilder()
        .withApiVersion(SnapshotApi.API_VERSION).withKind("VolumeSnapshotClass")
        .withNewMetadata().withName(name)
        .withAnnotations(isDefault ? Map.of(SnapshotClasses.DEFAULT_ANNOTATION, "true") : Map.of()).endMetadata()
        .addToAdditionalProperties("driver", driver).addToAdditionalProperties("deletionPolicy", "Retain")
        .build()).create();
  }

  private static void crd(KubernetesClient client, String plural, String kind, String scope) {
    String name = plural + "." + SnapshotApi.GROUP;
    if (client.apiextensions().v1().customResourceDefinitions().withName(name).get() != null) {
      return;
    }
    CustomResourceDefinition crd = new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withGroup(SnapshotApi.GROUP).withScope(scope)
        .withNewNames().withPlural(plural).withSingular(kind.toLowerCase()).withKind(kind).endNames()
        .addNewVersion().withName(SnapshotApi.VERSION).withServed(true).withStorage(true)
        .withNewSubresources().withNewStatus().endStatus().endSubresources()
        .withNewSchema().withNewOpenAPIV3Schema().withType("object").withXKubernetesPreserveUnknownFields(true)
        .endOpenAPIV3Schema().endSchema().endVersion()
        .endSpec().build();
    client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
  }

  private void answer(GenericKubernetesResource snapshot) {
    String namespace = snapshot.getMetadata().getNamespace();
    String name = snapshot.getMetadata().getName();
    try {
      switch (behaviour) {
        case SILENT -> { }
        case ERROR -> setStatus(namespace, name, Map.of("readyToUse", false,
            "error", Map.of("message", errorMessage, "time", Instant.now().toString())));
        case READY, CUT -> {
          String content = "snapcontent-" + snapshot.getMetadata().getUid();
          String handle = "snap-" + Long.toHexString(System.nanoTime());
          createContent(snapshot, content, handle);
          handles.put(name, handle);
          Map<String, Object> status = new LinkedHashMap<>();
          status.put("boundVolumeSnapshotContentName", content);
          status.put("readyToUse", behaviour == Behaviour.READY);
          status.put("restoreSize", "5Gi");
          status.put("creationTime", Instant.now().toString());
          setStatus(namespace, name, status);
        }
        default -> throw new IllegalStateException(behaviour.toString());
      }
    } catch (RuntimeException e) {
      log.warn("The test snapshot controller could not answer {}/{}", namespace, name, e);
    }
  }

  private void createContent(GenericKubernetesResource snapshot, String name, String handle) {
    GenericKubernetesResource content = new GenericKubernetesResourceBuilder()
        .withApiVersion(SnapshotApi.API_VERSION).withKind("VolumeSnapshotContent")
        .withNewMetadata().withName(name).endMetadata()
        .addToAdditionalProperties("spec", Map.of(
            "deletionPolicy", "Retain",
            "driver", driver,
            "source", Map.of("volumeHandle", "vol-" + snapshot.get("spec", "source", "persistentVolumeClaimName")),
            "volumeSnapshotClassName", snapshot.get("spec", "volumeSnapshotClassName"),
            "volumeSnapshotRef", Map.of("namespace", snapshot.getMetadata().getNamespace(),
                "name", snapshot.getMetadata().getName(), "uid", snapshot.getMetadata().getUid())))
        .build();
    var contents = client.genericKubernetesResources(SnapshotApi.CONTENTS);
    GenericKubernetesResource created = contents.resource(content).create();
    created.setAdditionalProperty("status", Map.of("snapshotHandle", handle, "restoreSize", RESTORE_SIZE,
        "creationTime", Instant.parse("2026-01-01T12:00:00Z").getEpochSecond() * 1_000_000_000L,
        "readyToUse", behaviour == Behaviour.READY));
    contents.resource(created).updateStatus();
  }

  private void setStatus(String namespace, String name, Map<String, Object> status) {
    var resource = client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(namespace).withName(name);
    GenericKubernetesResource current = resource.get();
    current.setAdditionalProperty("status", status);
    client.genericKubernetesResources(SnapshotApi.SNAPSHOTS).inNamespace(namespace).resource(current).updateStatus();
  }

  @Override
  public void close() throws InterruptedException {
    informer.close();
    worker.shutdownNow();
    worker.awaitTermination(5, TimeUnit.SECONDS);
  }
}
