package dev.lifeboat.embedded;

import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.storage.StorageClassBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a dynamic volume provisioner and the PV controller's binder against the local API: it
 * creates the default StorageClass {@value #STORAGE_CLASS} (provisioner {@value #PROVISIONER},
 * binding mode {@code Immediate}), and every claim of that class (or of no class, which the default
 * class admission would have given it) gets a new PersistentVolume whose {@code hostPath} is a new
 * directory under the given one, bound both ways: the volume's {@code claimRef}, the claim's {@code
 * volumeName}, bind annotations and {@code Bound} phase. A claim of another class, or with {@code
 * storageClassName: ""}, stays {@code Pending}, as no provisioner serves it.
 */
final class LocalVolumes implements AutoCloseable {
  static final String STORAGE_CLASS = "lifeboat-local";
  static final String PROVISIONER = "local.lifeboat.dev/hostpath";
  private static final Logger log = LoggerFactory.getLogger(LocalVolumes.class);

  private final KubernetesClient kube;
  private final Path root;
  private final SharedIndexInformer<PersistentVolumeClaim> informer;

  LocalVolumes(KubernetesClient kube, Path root) {
    this.kube = kube;
    this.root = root;
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the volumes directory " + root, e);
    }
    createDefaultClass();
    this.informer = kube.persistentVolumeClaims().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(PersistentVolumeClaim claim) {
        provision(claim);
      }

      @Override
      public void onUpdate(PersistentVolumeClaim before, PersistentVolumeClaim after) {
        provision(after);
      }

      @Override
      public void onDelete(PersistentVolumeClaim claim, boolean finalStateUnknown) {}
    });
  }

  private void createDefaultClass() {
    try {
      kube.storage().v1().storageClasses().resource(new StorageClassBuilder().withNewMetadata().withName(STORAGE_CLASS)
          .addToAnnotations("storageclass.kubernetes.io/is-default-class", "true").endMetadata()
          .withProvisioner(PROVISIONER).withVolumeBindingMode("Immediate").withReclaimPolicy("Delete").build()).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
  }

  private void provision(PersistentVolumeClaim claim) {
    String className = claim.getSpec() == null ? null : claim.getSpec().getStorageClassName();
    boolean ours = className == null || STORAGE_CLASS.equals(className);
    boolean bound = claim.getSpec() != null && claim.getSpec().getVolumeName() != null
        && !claim.getSpec().getVolumeName().isEmpty();
    if (!ours || bound || claim.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String namespace = claim.getMetadata().getNamespace();
    String name = claim.getMetadata().getName();
    try {
      PersistentVolume volume = createVolume(claim);
      String volumeName = volume.getMetadata().getName();
      kube.persistentVolumeClaims().inNamespace(namespace).withName(name).edit(c -> {
        c.getSpec().setStorageClassName(STORAGE_CLASS);
        c.getSpec().setVolumeName(volumeName);
        Map<String, String> annotations = new LinkedHashMap<>(c.getMetadata().getAnnotations() == null ? Map.of()
            : c.getMetadata().getAnnotations());
        annotations.put("pv.kubernetes.io/bind-completed", "yes");
        annotations.put("pv.kubernetes.io/bound-by-controller", "yes");
        annotations.put("volume.kubernetes.io/storage-provisioner", PROVISIONER);
        annotations.put("volume.beta.kubernetes.io/storage-provisioner", PROVISIONER);
        c.getMetadata().setAnnotations(annotations);
        return c;
      });
      kube.persistentVolumeClaims().inNamespace(namespace).withName(name).editStatus(c -> {
        if (c.getStatus() == null) {
          c.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatus());
        }
        c.getStatus().setPhase("Bound");
        c.getStatus().setAccessModes(c.getSpec().getAccessModes());
        c.getStatus().setCapacity(volume.getSpec().getCapacity());
        return c;
      });
      log.info("Claim {}/{} bound to new volume {} at {}", namespace, name, volumeName,
          volume.getSpec().getHostPath().getPath());
    } catch (RuntimeException e) {
      // the claim stays Pending, which is what a user of a failing provisioner sees
      log.warn("Cannot provision a volume for claim {}/{}", namespace, name, e);
    }
  }

  private PersistentVolume createVolume(PersistentVolumeClaim claim) {
    String uid = claim.getMetadata().getUid();
    String volumeName = "pvc-" + uid;
    Path directory = root.resolve(claim.getMetadata().getNamespace() + "-" + claim.getMetadata().getName() + "-" + uid);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + directory, e);
    }
    Quantity size = claim.getSpec().getResources() == null || claim.getSpec().getResources().getRequests() == null
        ? null : claim.getSpec().getResources().getRequests().get("storage");
    PersistentVolume volume = new PersistentVolumeBuilder().withNewMetadata().withName(volumeName)
        .addToAnnotations("pv.kubernetes.io/provisioned-by", PROVISIONER).endMetadata()
        .withNewSpec().withCapacity(Map.of("storage", size == null ? new Quantity("1Gi") : size))
        .withAccessModes(claim.getSpec().getAccessModes()).withStorageClassName(STORAGE_CLASS)
        .withPersistentVolumeReclaimPolicy("Delete").withVolumeMode(claim.getSpec().getVolumeMode())
        .withNewHostPath().withPath(directory.toAbsolutePath().toString()).withType("DirectoryOrCreate").endHostPath()
        .withClaimRef(new ObjectReferenceBuilder().withKind("PersistentVolumeClaim").withApiVersion("v1")
            .withNamespace(claim.getMetadata().getNamespace()).withName(claim.getMetadata().getName()).withUid(uid)
            .withResourceVersion(claim.getMetadata().getResourceVersion()).build())
        .endSpec().build();
    try {
      kube.persistentVolumes().resource(volume).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
    }
    return kube.persistentVolumes().withName(volumeName).editStatus(v -> {
      if (v.getStatus() == null) {
        v.setStatus(new io.fabric8.kubernetes.api.model.PersistentVolumeStatus());
      }
      v.getStatus().setPhase("Bound");
      return v;
    });
  }

  /** The host directory of the volume bound to claim {@code namespace/name}. */
  Path directory(String namespace, String name) {
    PersistentVolumeClaim claim = kube.persistentVolumeClaims().inNamespace(namespace).withName(name).get();
    if (claim == null) {
      throw new IllegalArgumentException("no claim " + namespace + "/" + name);
    }
    String volumeName = claim.getSpec() == null ? null : claim.getSpec().getVolumeName();
    PersistentVolume volume = volumeName == null ? null : kube.persistentVolumes().withName(volumeName).get();
    if (volume == null || volume.getSpec().getHostPath() == null) {
      throw new IllegalStateException("claim " + namespace + "/" + name + " is not bound to a host-path volume"
          + " (phase " + (claim.getStatus() == null ? null : claim.getStatus().getPhase()) + ")");
    }
    return Path.of(volume.getSpec().getHostPath().getPath());
  }

  @Override
  public void close() {
    informer.close();
  }
}
