package dev.lifeboat.verifier;

import dev.lifeboat.verifier.VerifierConfig;
import dev.lifeboat.events.v1.VerificationCheck;
import dev.lifeboat.events.v1.VerificationOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.repository.restore.FileRestorer;
import dev.lifeboat.restore.EtcdVerification;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.ResourceRestorePlan;
import dev.lifeboat.restore.ResourceRestorePlan.ClusterScope;
import dev.lifeboat.restore.ResourceRestoreReport;
import dev.lifeboat.restore.ResourceRestoreReport.Action;
import dev.lifeboat.restore.RestoreDataException;
import dev.lifeboat.restore.RestoreEngine;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.restore.VolumeRestoreReport;
import dev.lifeboat.retry.ErrorClassifier;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proves one snapshot copy by restoring it into scratch targets and checking what came out: for
 * resources, a few namespaces restored into scratch namespaces and read back; for etcd, a scratch
 * etcd; for volumes, a scratch directory. Damaged data is a failed check naming what is damaged;
 * a scratch target or store that cannot be reached is thrown (retriable) so the record is tried
 * again later, not reported as a failed proof.
 */
final class SnapshotVerifier {
  private static final Logger log = LoggerFactory.getLogger(SnapshotVerifier.class);
  private static final String NOT_SERVED = "is not served by the target";

  private final ScratchTargets scratch;
  private final VerifierConfig config;
  private final CsiSnapshotChecks csi;

  /** @param protectedCluster the cluster whose snapshots these are: CSI snapshots are checked there */
  SnapshotVerifier(ScratchTargets scratch, VerifierConfig config, Supplier<KubernetesClient> protectedCluster) {
    this.scratch = scratch;
    this.config = config;
    this.csi = new CsiSnapshotChecks(protectedCluster);
  }

  /**
   * What a verification found: its checks, where it restored to, how long the restore took, and,
   * when it restored nothing (no object, file or key), why.
   */
  record Result(Checks checks, String scratchTarget, Duration duration, String notRestored) {
    Result(Checks checks, String scratchTarget, Duration duration) {
      this(checks, scratchTarget, duration, null);
    }

    /** PASSED only when something was restored and every check passed: an empty restore is never a pass. */
    VerificationOutcome outcome() {
      if (!checks.passed()) {
        return VerificationOutcome.FAILED;
      }
      return notRestored == null ? VerificationOutcome.PASSED : VerificationOutcome.CHECKED_NOT_RESTORED;
    }

    List<VerificationCheck> list() {
      return checks.list();
    }
  }

  Result resources(RestoreSource source, Manifest manifest, List<String> namespaces, Progress progress)
      throws InterruptedException {
    String id = scratch.begin();
    long started = System.nanoTime();
    Checks checks = new Checks();
    Map<String, String> mapping = new LinkedHashMap<>();
    namespaces.forEach(ns -> mapping.put(ns, scratch.namespace(id, ns)));
    String where = namespaces.isEmpty() ? "nothing restored (no namespaces in the snapshot): streams read in a dry run on "
        + scratch.describeCluster() : "namespaces " + String.join(",", mapping.values()) + " on " + scratch.describeCluster();
    try {
      // inert, and every scratch object labelled as the namespaces are: the watcher skips them by that label
      ResourceRestorePlan.Builder plan = ResourceRestorePlan.fromSnapshot(manifest.cluster(), manifest.snapshotId())
          .parallelism(config.parallelism()).namespaceLabels(Map.of(ScratchTargets.LABEL, id))
          .objectLabels(Map.of(ScratchTargets.LABEL, id)).inert(true);
      if (namespaces.isEmpty()) {
        plan.clusterScoped(ClusterScope.ALL).dryRun(true);
      } else {
        plan.namespaces(namespaces).namespaceMapping(mapping)
            .clusterScoped(scratch.dedicated() ? ClusterScope.DEFINITIONS : ClusterScope.NONE);
      }
      RestoredObjects restored = new RestoredObjects();
      ResourceRestoreReport report = new RestoreEngine(source).restoreResources(plan.build(), scratch.cluster(), progress,
          restored);
      Duration duration = Duration.ofNanos(System.nanoTime() - started);
      checkRead(checks, manifest, namespaces, report);
      if (namespaces.isEmpty()) {
        return new Result(checks, where, duration, "the snapshot holds no namespaced objects to restore");
      }
      checkAccepted(checks, namespaces, report);
      List<RestoredObjects.ReadBack> readBack = restored.compare(scratch.cluster(), checks);
      InertCheck.add(checks, scratch.cluster(), report, readBack);
      return new Result(checks, where, duration, readBack.isEmpty() ? "no object of namespaces "
          + String.join(",", namespaces) + " was created (" + report.counts() + ")" : null);
    } catch (RuntimeException e) {
      failed(checks, e);
      return new Result(checks, where, Duration.ofNanos(System.nanoTime() - started));
    } finally {
      scratch.end(id);
    }
  }

  Result etcd(RestoreSource source, Manifest manifest, Progress progress) {
    String id = scratch.begin();
    long started = System.nanoTime();
    Checks checks = new Checks();
    String where = "scratch etcd in " + scratch.path(id);
    try {
      if (!RestoreEngine.etcdToolsInstalled()) {
        checks.add("etcd-tools", false, "etcd and etcdctl", "not installed", Map.of("reason",
            "etcd and etcdctl are not installed where the verifier runs (Debian: apt-get install etcd-server etcd-client)"));
        return new Result(checks, where, Duration.ofNanos(System.nanoTime() - started));
      }
      EtcdVerification v = new RestoreEngine(source).verifyEtcd(manifest, scratch.directory(id), progress);
      var restore = v.restore();
      checks.add("etcd-sha256", restore.actualSha256().equals(restore.expectedSha256()), restore.expectedSha256(),
          restore.actualSha256(), Map.of("bytes", restore.bytes(), "chunksAuthenticated", restore.chunks()));
      checks.add("etcd-snapshot-status", true, null, "revision " + restore.statusRevision(), Map.of(
          "revision", restore.statusRevision(), "totalKeys", restore.statusTotalKeys(), "hash", restore.statusHash()));
      checks.add("etcd-revision", v.revisionMatches(), ">= " + v.manifestRevision(), v.restoredRevision(),
          Map.of("endpoint", v.endpoint()));
      checks.add("etcd-key-count", v.keysMatch(), v.manifestKeys(), v.restoredKeys(), Map.of(
          "revisionsBetween", Math.max(0, v.restoredRevision() - v.manifestRevision()), "endpoint", v.endpoint()));
      return new Result(checks, where + " (" + v.endpoint() + ", stopped)", v.duration(),
          v.restoredKeys() == 0 ? "the restored etcd holds no keys" : null);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // a local disk or etcd start problem: retried
    } catch (RuntimeException e) {
      failed(checks, e);
      return new Result(checks, where, Duration.ofNanos(System.nanoTime() - started));
    } finally {
      scratch.end(id);
    }
  }

  Result volume(RestoreSource source, Manifest manifest, Progress progress) {
    if (CsiSnapshotChecks.applies(manifest)) {
      long started = System.nanoTime();
      Checks checks = new Checks();
      csi.check(manifest, checks);
      return new Result(checks, CsiSnapshotChecks.where(manifest), Duration.ofNanos(System.nanoTime() - started),
          "a CSI snapshot's data stays with the storage; it is not restored yet, only checked where it lives");
    }
    String id = scratch.begin();
    long started = System.nanoTime();
    Checks checks = new Checks();
    String where = "scratch directory " + scratch.path(id);
    try {
      VolumeRestoreReport r = new RestoreEngine(source).restoreVolume(manifest, scratch.directory(id).resolve("volume"),
          progress);
      FileRestorer.Report files = r.files();
      Map<String, Object> evidence = new LinkedHashMap<>();
      evidence.put("files", files.files());
      evidence.put("directories", files.directories());
      evidence.put("symlinks", files.symlinks());
      evidence.put("bytes", files.bytes());
      evidence.put("notInSnapshot", files.notInSnapshot().size());
      if (!files.errors().isEmpty()) {
        evidence.put("errors", files.errors().stream().limit(5).map(f -> f.path() + ": " + f.message())
            .collect(Collectors.joining("; ")));
        evidence.put("reason", files.errors().size() + " entries could not be restored, first: "
            + files.errors().get(0).message());
      }
      checks.add("files-restored", files.errors().isEmpty() && files.files() == r.expectedFiles(), r.expectedFiles(),
          files.files(), evidence);
      Map<String, Object> hashes = new LinkedHashMap<>();
      hashes.put("filesCompared", files.files());
      files.mismatches().stream().limit(5).forEach(m -> hashes.put(m.path(), "expected " + m.expected() + ", restored "
          + m.actual()));
      checks.add("file-sha256", files.mismatches().isEmpty(), "every file's SHA-256 as in the manifest",
          files.mismatches().size() + " mismatches", hashes);
      if (!r.chunksAtFault().isEmpty()) {
        checks.add("chunk-integrity", false, "every chunk authentic", r.chunksAtFault().size() + " damaged or missing",
            Map.of("chunkIds", String.join(",", r.chunksAtFault()), "reason", "chunk " + r.chunksAtFault().get(0)
                + " is damaged or missing"));
      }
      return new Result(checks, where, r.duration(), files.files() == 0 ? "the volume snapshot holds no files" : null);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (RuntimeException e) {
      failed(checks, e);
      return new Result(checks, where, Duration.ofNanos(System.nanoTime() - started));
    } finally {
      scratch.end(id);
    }
  }

  /** Every object of the chosen namespaces was read (each stream checked against its SHA-256). */
  private static void checkRead(Checks checks, Manifest manifest, List<String> namespaces, ResourceRestoreReport report) {
    Map<String, Long> read = report.outcomes().stream().filter(o -> o.namespace() != null)
        .collect(Collectors.groupingBy(ResourceRestoreReport.Outcome::namespace, TreeMap::new, Collectors.counting()));
    long expected = 0;
    long actual = 0;
    Map<String, Object> evidence = new LinkedHashMap<>();
    for (String ns : namespaces) {
      String count = manifest.details() == null ? null : manifest.details().get(ResourceSnapshots.OBJECTS_PREFIX + ns);
      long e = count == null ? read.getOrDefault(ns, 0L) : Long.parseLong(count);
      expected += e;
      actual += read.getOrDefault(ns, 0L);
      evidence.put("objects." + ns, read.getOrDefault(ns, 0L) + " of " + e);
    }
    evidence.put("streamsHashed", namespaces.isEmpty() ? manifest.streams().size() : namespaces.size());
    evidence.put("objectsRead", report.objectsRead());
    checks.add("objects-read", expected == actual, expected, actual, evidence);
  }

  /** The API server took every object that is restored (controller-owned ones are recreated by their owner). */
  private void checkAccepted(Checks checks, List<String> namespaces, ResourceRestoreReport report) {
    List<ResourceRestoreReport.Outcome> failures = report.failures();
    List<ResourceRestoreReport.Outcome> notServedHere = scratch.dedicated() ? List.of()
        : failures.stream().filter(o -> o.reason() != null && o.reason().endsWith(NOT_SERVED)).toList();
    List<ResourceRestoreReport.Outcome> refused = failures.stream().filter(o -> !notServedHere.contains(o)).toList();
    long accepted = report.created() + report.updated() + report.unchanged();
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put(ProofHistory.NAMESPACES, String.join(",", namespaces));
    evidence.put("created", report.created());
    evidence.put("skippedOwnedByController", report.skipped() - report.notRestoredInert().size());
    evidence.put("notRestoredInert", report.notRestoredInert().size());
    evidence.put("refused", refused.size());
    evidence.put("objectsPerSecond", Math.round(report.objectsPerSecond()));
    if (!notServedHere.isEmpty()) {
      evidence.put("notServedByScratchCluster", notServedHere.stream().map(o -> o.kind() + (o.group().isEmpty() ? ""
          : "." + o.group())).distinct().sorted().collect(Collectors.joining(",")));
    }
    if (!refused.isEmpty()) {
      evidence.put("refusedObjects", refused.stream().limit(5).map(o -> o.describe() + ": " + o.reason())
          .collect(Collectors.joining("; ")));
      evidence.put("reason", refused.size() + " objects refused, first " + refused.get(0).describe() + ": "
          + refused.get(0).reason());
    }
    checks.add("objects-accepted", refused.isEmpty(), accepted + refused.size(), accepted, evidence);
  }

  /** A restore that could not finish: damaged data names what is damaged; anything retriable is thrown. */
  private static void failed(Checks checks, RuntimeException e) {
    if (ErrorClassifier.isRetriable(e)) {
      throw e;
    }
    if (e instanceof RestoreDataException data) {
      Map<String, Object> evidence = new LinkedHashMap<>();
      evidence.put("object", data.object());
      if (data.chunkId() != null) {
        evidence.put("chunkId", data.chunkId());
      }
      evidence.put("reason", data.getMessage());
      checks.add(data.chunkId() != null ? "chunk-integrity" : "snapshot-integrity", false, "every chunk and stream authentic",
          data.object() + " damaged", evidence);
      log.warn("Verification found damage: {}", data.getMessage());
      return;
    }
    checks.add("restore", false, "the restore completes", "failed", Map.of("reason", ErrorClassifier.describe(e)));
    log.warn("Verification restore failed: {}", ErrorClassifier.describe(e), e);
  }
}
