package dev.lifeboat.verifier;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.restore.AuditProgress;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.runtime.RecordHandler;
import dev.lifeboat.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Serves {@code lifeboat.replications}: for each snapshot copied to an off-region store, decides
 * whether to prove it ({@link SamplingPolicy}), restores it from that copy into scratch targets
 * ({@link SnapshotVerifier}), and publishes a {@code SnapshotVerified} with every check, plus an
 * audit event. A failed verification is loud: a {@code FAILED} audit event, the failure counter,
 * and the verifier's health turns DEGRADED naming the snapshot and what is wrong.
 */
final class VerificationHandler implements RecordHandler<Object> {
  private static final Logger log = LoggerFactory.getLogger(VerificationHandler.class);

  private final String cluster;
  private final OffsiteCopies copies;
  private final SamplingPolicy sampling;
  private final SnapshotVerifier verifier;
  private final ScratchTargets scratch;
  private final ProofHistory history;
  private final VerifierMetrics metrics;
  private final AuditPublisher audit;
  private final dev.lifeboat.audit.EventFactory events;
  private final Clock clock;

  VerificationHandler(String cluster, OffsiteCopies copies, SamplingPolicy sampling, SnapshotVerifier verifier,
      ScratchTargets scratch, ProofHistory history, VerifierMetrics metrics, AuditPublisher audit,
      dev.lifeboat.audit.EventFactory events) {
    this.cluster = cluster;
    this.copies = copies;
    this.sampling = sampling;
    this.verifier = verifier;
    this.scratch = scratch;
    this.history = history;
    this.metrics = metrics;
    this.audit = audit;
    this.events = events;
    this.clock = events.clock();
  }

  @Override
  public void handle(InboundRecord<Object> record, Outputs outputs) throws Exception {
    if (!(record.value() instanceof SnapshotReplicated replicated) || !cluster.equals(replicated.getHeader().getCluster())) {
      return; // a failed replication proves nothing; other clusters have verifiers of their own
    }
    String snapshotId = replicated.getSnapshotId();
    if (history.verified(snapshotId, replicated.getStore())) {
      log.info("Snapshot {} in store {} was verified before: not again", snapshotId, replicated.getStore());
      return;
    }
    Optional<RestoreSource> copy = copies.source(replicated.getStore());
    if (copy.isEmpty()) {
      outputs.send(Topics.AUDIT, snapshotId, audit.event("verification.skipped", snapshotId, AuditOutcome.INFO)
          .correlationId(snapshotId).reason("store " + replicated.getStore() + " is not among the configured off-region"
              + " stores " + copies.names()).build());
      return;
    }
    MDC.put("snapshot", snapshotId);
    try {
      verify(replicated, copy.get(), outputs);
    } finally {
      MDC.remove("snapshot");
    }
  }

  private void verify(SnapshotReplicated replicated, RestoreSource source, Outputs outputs) throws Exception {
    String snapshotId = replicated.getSnapshotId();
    String target = ProofHistory.target(replicated.getKind(), replicated.getTarget());
    Optional<Manifest> manifest;
    try {
      manifest = source.repository().manifests().read(replicated.getManifestKey());
    } catch (RuntimeException e) {
      if (ErrorClassifier.isRetriable(e)) {
        throw e;
      }
      manifest = Optional.empty();
      log.warn("Manifest {} of snapshot {} cannot be read from {}: {}", replicated.getManifestKey(), snapshotId,
          source.describe(), ErrorClassifier.describe(e));
    }
    if (manifest.isEmpty()) {
      Checks checks = new Checks().add("manifest", false, replicated.getManifestKey(), "missing or unreadable",
          Map.of("reason", "manifest " + replicated.getManifestKey() + " is missing from, or cannot be opened in, "
              + source.describe()));
      publish(replicated, new SnapshotVerifier.Result(checks, "none", Duration.ZERO), target, outputs);
      return;
    }
    Progress progress = new AuditProgress(audit, "verification." + replicated.getKind().name().toLowerCase(Locale.ROOT),
        snapshotId, snapshotId, clock);
    SnapshotVerifier.Result result;
    switch (replicated.getKind()) {
      case ETCD -> {
        begin(replicated, outputs, null);
        result = verifier.etcd(source, manifest.get(), progress);
      }
      case VOLUME -> {
        if (!sampling.wantsVolume(snapshotId)) {
          log.debug("Volume snapshot {} not sampled", snapshotId);
          return;
        }
        begin(replicated, outputs, null);
        result = verifier.volume(source, manifest.get(), progress);
      }
      case RESOURCES -> {
        List<String> candidates = manifest.get().streams().stream().map(Manifest.Stream::name)
            .filter(n -> !ResourceDocument.CLUSTER_SCOPED.equals(n) && !scratch.isScratch(n)).toList();
        List<String> chosen = sampling.namespaces(candidates);
        begin(replicated, outputs, chosen);
        result = verifier.resources(source, manifest.get(), chosen, progress);
      }
      default -> {
        return;
      }
    }
    publish(replicated, result, target, outputs);
  }

  private void begin(SnapshotReplicated replicated, Outputs outputs, List<String> namespaces) {
    scratch.sweep();
    AuditPublisher.Builder started = audit.event("verification.started", replicated.getSnapshotId(), AuditOutcome.STARTED)
        .correlationId(replicated.getSnapshotId()).detail("kind", replicated.getKind()).detail("target",
            replicated.getTarget()).detail("store", replicated.getStore());
    if (namespaces != null) {
      started.detail("namespaces", String.join(",", namespaces));
    }
    started.publish(); // at once, not with the outputs: it says the work began
  }

  private void publish(SnapshotReplicated replicated, SnapshotVerifier.Result result, String target, Outputs outputs) {
    String snapshotId = replicated.getSnapshotId();
    boolean passed = result.passed();
    SnapshotVerified verified = SnapshotVerified.newBuilder().setHeader(events.header(snapshotId))
        .setSnapshotId(snapshotId).setKind(replicated.getKind()).setTarget(replicated.getTarget()).setPassed(passed)
        .setStore(replicated.getStore()).setScratchTarget(result.scratchTarget()).setChecks(result.list())
        .setSnapshotCompletedAt(replicated.getSnapshotCompletedAt()).setDurationMillis(result.duration().toMillis())
        .build();
    outputs.send(Topics.VERIFICATIONS, snapshotId, verified);
    AuditPublisher.Builder event = audit.event(passed ? "verification.passed" : "verification.failed", snapshotId,
        passed ? AuditOutcome.SUCCEEDED : AuditOutcome.FAILED).correlationId(snapshotId)
        .detail("kind", replicated.getKind()).detail("target", replicated.getTarget())
        .detail("store", replicated.getStore()).detail("scratchTarget", result.scratchTarget())
        .detail("durationMillis", result.duration().toMillis())
        .detail("checks", result.list().stream().map(c -> c.getName() + "=" + (c.getPassed() ? "passed" : "FAILED"))
            .reduce((a, b) -> a + "," + b).orElse(""));
    if (!passed) {
      event.reason(result.checks().failureSummary());
    }
    outputs.send(Topics.AUDIT, snapshotId, event.build());
    history.record(verified, false);
    if (passed) {
      metrics.passed(target, snapshotId);
      log.info("Snapshot {} of {} proven from store {} in {} ms", snapshotId, target, replicated.getStore(),
          result.duration().toMillis());
    } else {
      metrics.failed(target, snapshotId, replicated.getStore(), result.checks().failureSummary());
      log.error("Snapshot {} of {} FAILED verification from store {}: {}", snapshotId, target, replicated.getStore(),
          result.checks().failureSummary());
    }
  }
}
