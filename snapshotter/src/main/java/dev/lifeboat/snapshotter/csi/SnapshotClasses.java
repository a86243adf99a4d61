package dev.lifeboat.snapshotter.csi;

import dev.lifeboat.retry.PermanentFailure;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses the VolumeSnapshotClass of a claim's CSI snapshot. A class named by the request or by
 * {@code snapshotter.csiSnapshotClass} must exist and belong to the claim's driver. Otherwise the
 * classes of the claim's driver are candidates: the one annotated {@value #DEFAULT_ANNOTATION}
 * {@code "true"}, else the only one. Anything else (no class, several and none default, several
 * defaults) is a {@link PermanentFailure} that names the claim, the driver and what to create or
 * annotate.
 */
final class SnapshotClasses {
  static final String DEFAULT_ANNOTATION = "snapshot.storage.kubernetes.io/is-default-class";

  /**
   * The class a snapshot is taken with.
   *
   * @param deletionPolicy {@code Delete} or {@code Retain}: whether the storage's snapshot goes
   *     when its VolumeSnapshot is deleted
   */
  record Chosen(String name, String driver, String deletionPolicy) {
    static Chosen of(GenericKubernetesResource vsc) {
      return new Chosen(vsc.getMetadata().getName(), vsc.get("driver"), vsc.get("deletionPolicy"));
    }
  }

  private SnapshotClasses() {}

  /**
   * The class named {@code name}, which must exist ({@code found} non-null) and be for {@code driver}.
   *
   * @param namedBy who named it, for the message: "the request" or "snapshotter.csiSnapshotClass"
   */
  static Chosen named(String name, String namedBy, GenericKubernetesResource found, String driver, String claim) {
    if (found == null) {
      throw new PermanentFailure("VolumeSnapshotClass " + name + " (named by " + namedBy + ") does not exist, so claim "
          + claim + " cannot be snapshotted: create it for CSI driver " + driver + " (" + example(driver)
          + "), or name an existing class");
    }
    Chosen chosen = Chosen.of(found);
    if (!driver.equals(chosen.driver())) {
      throw new PermanentFailure("VolumeSnapshotClass " + name + " (named by " + namedBy + ") is for CSI driver "
          + chosen.driver() + ", but claim " + claim + " is on driver " + driver + ": name a class of driver " + driver);
    }
    return chosen;
  }

  /** The class of {@code driver} among every class in the cluster. */
  static Chosen forDriver(String driver, List<GenericKubernetesResource> classes, String claim) {
    List<GenericKubernetesResource> candidates = classes.stream().filter(c -> driver.equals(c.get("driver")))
        .sorted(Comparator.comparing(c -> c.getMetadata().getName())).toList();
    if (candidates.isEmpty()) {
      throw new PermanentFailure("No VolumeSnapshotClass for CSI driver " + driver + ", so claim " + claim
          + " cannot be snapshotted: create one (" + example(driver) + ") or set snapshotter.csiSnapshotClass. "
          + "Classes in the cluster: " + (classes.isEmpty() ? "none" : describe(classes)));
    }
    List<GenericKubernetesResource> defaults = candidates.stream().filter(SnapshotClasses::isDefault).toList();
    if (defaults.size() == 1) {
      return Chosen.of(defaults.get(0));
    }
    if (defaults.size() > 1) {
      throw new PermanentFailure("Several VolumeSnapshotClasses of CSI driver " + driver + " are marked default ("
          + names(defaults) + "), so the class for claim " + claim + " is ambiguous: leave " + DEFAULT_ANNOTATION
          + ": \"true\" on one of them, or set snapshotter.csiSnapshotClass");
    }
    if (candidates.size() == 1) {
      return Chosen.of(candidates.get(0));
    }
    throw new PermanentFailure("CSI driver " + driver + " has several VolumeSnapshotClasses (" + names(candidates)
        + ") and none is marked default, so the class for claim " + claim + " is ambiguous: annotate one "
        + DEFAULT_ANNOTATION + ": \"true\", or set snapshotter.csiSnapshotClass");
  }

  private static boolean isDefault(GenericKubernetesResource vsc) {
    Map<String, String> annotations = vsc.getMetadata().getAnnotations();
    return "true".equals(Optional.ofNullable(annotations).map(a -> a.get(DEFAULT_ANNOTATION)).orElse(null));
  }

  private static String example(String driver) {
    return "apiVersion: " + SnapshotApi.API_VERSION + ", kind: VolumeSnapshotClass, driver: " + driver
        + ", deletionPolicy: Retain";
  }

  private static String names(List<GenericKubernetesResource> classes) {
    return String.join(", ", classes.stream().map(c -> c.getMetadata().getName()).toList());
  }

  private static String describe(List<GenericKubernetesResource> classes) {
    return String.join(", ", classes.stream().sorted(Comparator.comparing(c -> c.getMetadata().getName()))
        .map(c -> c.getMetadata().getName() + " (driver " + c.get("driver") + ")").toList());
  }
}
