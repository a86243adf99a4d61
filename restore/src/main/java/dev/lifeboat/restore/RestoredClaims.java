package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.repository.resources.ResourceDocument;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The data of the claims one resource restore creates, when its plan asks for it ({@code
 * volumeData}, never for an inert restore): a CSI snapshot becomes the claim's data source before it
 * is created ({@link CsiClaimSources}), a file-level snapshot is written into it after its level and
 * before any workload ({@link ClaimFilling}). See DESIGN.md, "Claims and their data".
 */
final class RestoredClaims {
  private final RestoreSource source;
  private final KubernetesClient target;
  private final ResourceRestorePlan plan;
  private final DataMoverSettings mover;
  private final Progress progress;
  private final List<ResourceRestoreReport.ClaimData> report = java.util.Collections.synchronizedList(new ArrayList<>());
  /** Claims restored from CSI snapshots (target namespace/name), each with what to create before it. */
  private final Map<String, Runnable> csi = new ConcurrentHashMap<>();

  /** @param mover how to write file-level data; null: such claims keep new, empty volumes */
  RestoredClaims(RestoreSource source, KubernetesClient target, ResourceRestorePlan plan, DataMoverSettings mover,
      Progress progress) {
    this.source = source;
    this.target = target;
    this.plan = plan;
    this.mover = mover;
    this.progress = progress;
  }

  static boolean isClaim(String group, String kind) {
    return (group == null || group.isEmpty()) && kind.equals("PersistentVolumeClaim");
  }

  private boolean wanted() {
    return plan.volumeData() && !plan.inert();
  }

  /**
   * Before {@code d} is restored: a claim whose newest snapshot at or before the restore point is a CSI
   * snapshot gets it as its data source in {@code body} where the target can reach it; a claim that
   * exists already is left alone (its data source cannot change).
   */
  void prepare(ResourceDocument d, ObjectNode body, String targetNamespace, Instant restorePoint) {
    if (!wanted() || restorePoint == null || !isClaim(d.group(), d.kind())) {
      return;
    }
    Optional<ClaimVolumes.Pick> pick = new ClaimVolumes(source.repository().manifests(), plan.cluster())
        .newestAtOrBefore(d.uid(), restorePoint);
    if (pick.isEmpty() || !CsiClaimSources.isCsi(pick.get().manifest())
        || target.persistentVolumeClaims().inNamespace(targetNamespace).withName(d.name()).get() != null) {
      return;
    }
    CsiClaimSources.Planned planned = new CsiClaimSources(target, plan.dryRun()).plan(d, body, targetNamespace, pick.get());
    report.add(planned.data());
    csi.put(targetNamespace + "/" + d.name(), planned.provision() == null ? () -> { } : planned.provision());
  }

  /** Just before {@code d} is created (its namespace exists): its pre-provisioned snapshot, if it has one. */
  void beforeCreate(ResourceDocument d, String targetNamespace) {
    Runnable provision = isClaim(d.group(), d.kind()) ? csi.get(targetNamespace + "/" + d.name()) : null;
    if (provision != null) {
      provision.run();
    }
  }

  /**
   * After a level: writes their data into the file-level claims it created; returns why the restore
   * stops here (a claim whose data could not be written: no workload may start on it), or null.
   */
  String fill(List<ClaimFilling.Created> created, Instant restorePoint) {
    if (!wanted() || plan.dryRun()) {
      return null;
    }
    List<ClaimFilling.Created> files = created.stream()
        .filter(c -> !csi.containsKey(c.targetNamespace() + "/" + c.document().name())).toList();
    if (files.isEmpty()) {
      return null;
    }
    if (mover == null) {
      files.forEach(c -> report.add(ResourceRestoreReport.ClaimData.empty(c.targetNamespace() + "/"
          + c.document().name(), "this restore has no data mover (no image configured)")));
      return null;
    }
    try {
      report.addAll(new ClaimFilling(source, target, mover, plan.cluster(), restorePoint).fill(files, progress));
      return null;
    } catch (ClaimFilling.ClaimDataException e) {
      report.addAll(e.filled());
      return "not restored: the data of a claim could not be written, so no workload is restored onto empty volumes: "
          + e.getMessage();
    }
  }

  List<ResourceRestoreReport.ClaimData> report() {
    return List.copyOf(report);
  }
}
