package dev.lifeboat.commands;

import dev.lifeboat.commands.RestoreService.Result;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.controlplane.ControlPlaneSnapshots;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.restore.EtcdDatabaseReport;
import dev.lifeboat.restore.PathRestorePlan;
import dev.lifeboat.restore.ResourceRestoreReport;
import dev.lifeboat.restore.ResourceRestoreReport.Action;
import dev.lifeboat.restore.ResourceRestoreReport.ClaimData;
import dev.lifeboat.restore.ResourceRestoreReport.Outcome;
import dev.lifeboat.restore.RestoreDataException;
import dev.lifeboat.restore.VolumeRestoreReport;
import dev.lifeboat.repository.restore.FileRestorer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * What the restore engine reported, as a command's finished event says it: the outcome, one
 * sentence, counts and details (the names clients such as the CLI print and tests read).
 */
final class RestoreResults {
  /** The newest instant the restored resources are known at (a snapshot's cut or the newest archived change). */
  static final String DETAIL_RECOVERY_POINT = "recoveryPoint";
  /** How far the recovery point lies before the instant asked for (ISO-8601 duration): the RPO achieved. */
  static final String DETAIL_RECOVERY_POINT_BEHIND = "recoveryPointBehind";
  /** The claims filled with their data: {@code ns/claim=snapshot@time(skew PT..)}, comma-separated. */
  static final String DETAIL_CLAIMS_FILLED = "claimsFilled";

  private RestoreResults() {}

  /**
   * What became of the data of the claims a restore created: counts and details, and the summary's
   * words. Without volume data (asked off, or a dry run) every created claim is on a new, empty volume.
   */
  private static String claims(ValidatedRestore r, ResourceRestoreReport report, List<String> created,
      Map<String, Long> counts, Map<String, String> details) {
    if (created.isEmpty()) {
      return "";
    }
    List<ClaimData> data = report.claims();
    if (report.dryRun() && r.volumeData()) {
      return "; " + created.size() + " claims would get new volumes filled with the newest volume snapshot of their"
          + " source claim at or before the restore point: " + String.join(", ", created);
    }
    List<String> empty = data.isEmpty() ? created
        : data.stream().filter(c -> c.state() == ClaimData.State.EMPTY || c.state() == ClaimData.State.FAILED)
            .map(ClaimData::claim).sorted().toList();
    List<ClaimData> filled = data.stream().filter(c -> c.state() == ClaimData.State.FILLED).toList();
    StringBuilder words = new StringBuilder();
    if (!filled.isEmpty()) {
      counts.put("claimFiles", filled.stream().mapToLong(ClaimData::files).sum());
      counts.put("claimBytes", filled.stream().mapToLong(ClaimData::bytes).sum());
      details.put(DETAIL_CLAIMS_FILLED, filled.stream().map(c -> c.claim() + "=" + c.snapshotId() + "@" + c.snapshotTime()
          + "(skew " + c.skew() + ")").sorted().collect(java.util.stream.Collectors.joining(",")));
      Duration worst = filled.stream().map(ClaimData::skew).max(Duration::compareTo).orElse(Duration.ZERO);
      details.put("claimSkewMax", worst.toString());
      words.append("; ").append(filled.size()).append(" claims filled with their volume data (the oldest snapshot ")
          .append(worst.toString().substring(2).toLowerCase(Locale.ROOT)).append(" before the restore point)");
    }
    List<ClaimData> fromCsi = data.stream().filter(c -> c.state() == ClaimData.State.FROM_CSI_SNAPSHOT).toList();
    if (!fromCsi.isEmpty()) {
      details.put("claimsFromCsiSnapshots", fromCsi.stream().map(c -> c.claim() + "=" + c.snapshotId() + "(skew "
          + c.skew() + ")").sorted().collect(java.util.stream.Collectors.joining(",")));
      words.append("; ").append(fromCsi.size()).append(" claims provisioned by their CSI driver from their snapshot"
          + " (data not read back by Lifeboat)");
    }
    data.stream().filter(c -> c.state() == ClaimData.State.FAILED).findFirst().ifPresent(c -> {
      details.put("claimsFailed", c.claim());
      words.append("; the data of claim ").append(c.claim()).append(" could not be written: ").append(c.reason());
    });
    if (!empty.isEmpty()) {
      details.put("claimsOnNewVolumes", String.join(",", empty));
      String why = data.isEmpty() ? (r.volumeData() ? "" : " (restore their data with --kind volume)")
          : " (" + data.stream().filter(c -> c.state() == ClaimData.State.EMPTY).map(ClaimData::reason).findFirst()
              .orElse("their data could not be written") + ")";
      words.append("; ").append(empty.size()).append(" claims ").append(report.dryRun() ? "would get" : "got")
          .append(" new, empty volumes").append(why).append(": ").append(String.join(", ", empty));
    }
    return words.toString();
  }

  /**
   * A resource restore, or its dry run: SUCCEEDED when no object failed, PARTIALLY_FAILED when some
   * did or the change-log archive lacks offsets the point in time needs, FAILED when every object
   * failed. Counts: {@code objects} selected, {@code read} before selection, then one per action
   * ({@code create}, {@code update}, {@code unchanged}, {@code skip}, {@code fail}); details: the
   * objects per target namespace ({@code shop->shop-copy:2}) and per kind.
   */
  static Result resources(ValidatedRestore r, ResourceRestoreReport report) {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("objects", (long) report.outcomes().size());
    counts.put("read", report.objectsRead());
    report.counts().forEach((action, n) -> counts.put(action.name().toLowerCase(Locale.ROOT), n));
    Map<String, Long> byNamespace = new TreeMap<>();
    Map<String, Long> byKind = new TreeMap<>();
    for (Outcome o : report.outcomes()) {
      byNamespace.merge(o.namespace() == null ? ResourceDocument.CLUSTER_SCOPED : o.namespace() + "->" + o.targetNamespace(),
          1L, Long::sum);
      byKind.merge(o.kind(), 1L, Long::sum);
    }
    Map<String, String> details = new LinkedHashMap<>();
    if (report.dryRun()) {
      details.put("dryRun", "true");
    }
    if (r.source() instanceof ValidatedRestore.StateAt at) {
      details.put("at", at.at().toString());
      details.put("changesApplied", Long.toString(report.changesApplied()));
    }
    if (report.snapshotId() != null) {
      details.put(CommandAudit.DETAIL_SNAPSHOT_ID, report.snapshotId());
    }
    String reached = "";
    if (report.recoveryPoint() != null) {
      details.put(DETAIL_RECOVERY_POINT, report.recoveryPoint().toString());
      if (r.source() instanceof ValidatedRestore.StateAt at) {
        Duration behind = Duration.between(report.recoveryPoint(), at.at());
        details.put(DETAIL_RECOVERY_POINT_BEHIND, behind.isNegative() ? "PT0S" : behind.toString());
        reached = "; the newest change this repository holds at or before " + at.at() + " is from "
            + report.recoveryPoint() + " (" + (behind.isNegative() ? Duration.ZERO : behind).toString().substring(2)
            .toLowerCase(Locale.ROOT) + " before it)";
      } else {
        reached = "; state as of " + report.recoveryPoint();
      }
    }
    if (!report.gaps().isEmpty()) {
      details.put("gaps", report.gaps().toString());
    }
    details.put("namespaces", join(byNamespace));
    details.put("kinds", join(byKind));
    details.put("namespacesCreated", String.join(",", report.namespacesCreated()));
    // A claim created by a resource restore gets a new volume: say which were filled with their data and
    // which stay empty, so that no one takes the restore of an application for the restore of its data.
    List<String> created = report.outcomes().stream()
        .filter(o -> o.action() == Action.CREATE && o.group().isEmpty() && o.kind().equals("PersistentVolumeClaim"))
        .map(o -> o.targetNamespace() + "/" + o.name()).sorted().toList();
    String claims = claims(r, report, created, counts, details);
    String summary = (report.dryRun() ? "dry run: " + report.outcomes().size() + " objects would be restored into "
        : "restored " + report.outcomes().size() + " objects into ") + r.targetCluster() + " from " + r.source().describe()
        + " (" + counts(report) + ")" + (report.dryRun() ? "; nothing was written" : "") + claims
        + reached;
    if (report.failed() > 0 && report.failed() == report.outcomes().size()) {
      return new Result(AuditOutcome.FAILED, summary + "; every object failed, the first: " + firstFailure(report),
          counts, details);
    }
    if (report.failed() > 0) {
      return new Result(AuditOutcome.PARTIALLY_FAILED, summary + "; the first failure: " + firstFailure(report), counts,
          details);
    }
    if (!report.gaps().isEmpty()) {
      return new Result(AuditOutcome.PARTIALLY_FAILED, summary + "; the change-log archive lacks " + report.gaps().size()
          + " offset ranges, so some changes may be missing", counts, details);
    }
    return new Result(AuditOutcome.SUCCEEDED, summary, counts, details);
  }

  static Result volumePlan(Manifest manifest, PathRestorePlan plan) {
    Map<String, String> details = volumeDetails(manifest, plan.target());
    details.put("dryRun", "true");
    return new Result(AuditOutcome.SUCCEEDED, "dry run: " + plan.files() + " files (" + plan.bytes() + " bytes) would be"
        + " restored into " + plan.target() + "; nothing was written", Map.of("files", plan.files(), "bytes", plan.bytes()),
        details);
  }

  /** SUCCEEDED when every file was restored and checked; FAILED when none was; PARTIALLY_FAILED otherwise. */
  static Result volume(Manifest manifest, VolumeRestoreReport report) {
    FileRestorer.Report files = report.files();
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("files", files.files());
    counts.put("directories", files.directories());
    counts.put("symlinks", files.symlinks());
    counts.put("bytes", files.bytes());
    counts.put("failed", (long) files.errors().size() + files.mismatches().size());
    counts.put("notInSnapshot", (long) files.notInSnapshot().size());
    Map<String, String> details = volumeDetails(manifest, report.target());
    if (!files.errors().isEmpty()) {
      details.put("firstError", files.errors().get(0).path() + ": " + files.errors().get(0).message());
    }
    if (!files.mismatches().isEmpty()) {
      details.put("firstMismatch", files.mismatches().get(0).path());
    }
    if (!report.chunksAtFault().isEmpty()) {
      details.put("chunksAtFault", String.join(",", report.chunksAtFault()));
    }
    String summary = "restored " + files.files() + " files (" + files.bytes() + " bytes) of volume " + manifest.target()
        + " into " + report.target() + ControlPlaneSnapshots.etcdSnapshotId(manifest.details())
            .map(etcd -> ", the control-plane files that go with etcd snapshot " + etcd).orElse("");
    if (report.clean()) {
      return new Result(AuditOutcome.SUCCEEDED, summary, counts, details);
    }
    AuditOutcome outcome = files.files() == 0 && report.expectedFiles() > 0 ? AuditOutcome.FAILED
        : AuditOutcome.PARTIALLY_FAILED;
    return new Result(outcome, summary + "; " + counts.get("failed") + " entries failed", counts, details);
  }

  static Result etcdPlan(PathRestorePlan plan) {
    return new Result(AuditOutcome.SUCCEEDED, "dry run: the " + plan.bytes() + "-byte etcd database would be written to "
        + plan.target() + "; nothing was written", Map.of("bytes", plan.bytes()),
        Map.of(CommandAudit.DETAIL_SNAPSHOT_ID, plan.snapshotId(), "targetPath", plan.target().toString(), "dryRun", "true"));
  }

  static Result etcd(EtcdDatabaseReport report) {
    return new Result(AuditOutcome.SUCCEEDED, "restored the etcd database of snapshot " + report.snapshotId() + " to "
        + report.file() + " (" + report.bytes() + " bytes, SHA-256 checked); restore it into a data directory with"
        + " `etcdctl snapshot restore " + report.file() + "`", Map.of("bytes", report.bytes()),
        Map.of(CommandAudit.DETAIL_SNAPSHOT_ID, report.snapshotId(), "targetPath", report.file().toString(),
            "sha256", report.sha256()));
  }

  /**
   * What the engine refused to do (a target that is not empty), or could not (damaged data, which it
   * finds before it writes): FAILED, with its reason.
   *
   * @param where what was to be restored where, for the details
   */
  static Result refused(RuntimeException e, Map<String, String> where) {
    Map<String, String> details = new LinkedHashMap<>(where);
    if (e instanceof RestoreDataException damaged) {
      details.put("atFault", damaged.object());
    }
    return new Result(AuditOutcome.FAILED, e.getMessage() + (e instanceof RestoreDataException ? ": nothing was restored"
        : ""), Map.of(), details);
  }

  /** The snapshot and the path of a volume or etcd restore, for the details. */
  static Map<String, String> where(Manifest manifest, Path target) {
    return Map.of(CommandAudit.DETAIL_SNAPSHOT_ID, manifest.snapshotId(), "targetPath", target.toString());
  }

  private static Map<String, String> volumeDetails(Manifest manifest, Path target) {
    Map<String, String> details = new LinkedHashMap<>();
    details.put(CommandAudit.DETAIL_SNAPSHOT_ID, manifest.snapshotId());
    details.put("volume", manifest.target());
    details.put("targetPath", target.toString());
    ControlPlaneSnapshots.etcdSnapshotId(manifest.details()).ifPresent(etcd -> details.put(ControlPlaneSnapshots.ETCD_SNAPSHOT_ID, etcd));
    return details;
  }

  private static String counts(ResourceRestoreReport report) {
    StringJoiner joined = new StringJoiner(", ");
    report.counts().forEach((action, n) -> {
      if (n > 0) {
        joined.add(action.name().toLowerCase(Locale.ROOT) + " " + n);
      }
    });
    return joined.length() == 0 ? "nothing selected" : joined.toString();
  }

  private static String firstFailure(ResourceRestoreReport report) {
    Outcome first = report.failures().get(0);
    return first.describe() + ": " + first.reason();
  }

  private static String join(Map<String, Long> counts) {
    StringJoiner joined = new StringJoiner(",");
    counts.forEach((k, v) -> joined.add(k + ":" + v));
    return joined.toString();
  }
}
