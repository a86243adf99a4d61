package dev.lifeboat.verifier;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotReplicated;
import dev.lifeboat.events.v1.SnapshotVerified;
import dev.lifeboat.events.v1.VerificationOutcome;
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
import java.time.Instant;
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
 * and the verifier's health turns DEGRADED naming the snapshot and what is wrong. A change-log
 * segment's copy ({@code ChangeLogSegmentReplicated}) is read back and checked, not restored ({@link
 * SegmentCheck}). Verification requests on the same topic are {@link VerifyRequestHandler}'s.
 */
final class VerificationHandler implements RecordHandler<Object> {
  private static final Logger log = LoggerFactory.getLogger(VerificationHandler.class);

  private final String cluster;
  private final OffsiteCopies copies;
  private final SamplingPolicy sampling;
  private final SnapshotVerifier verifier;
  private final SegmentCheck segments;
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
    this.segments = new SegmentCheck(metrics, audit);
    this.scratch = scratch;
    this.history = history;
    this.metrics = metrics;
    this.audit = audit;
    this.events = events;
    this.clock = events.clock();
  }

  /**
   * What to prove: a snapshot copy in one off-region store.
   *
   * @param correlationId the header correlation id of the published proof: the snapshot id, or the
   *     command id of a VerifyNow
   * @param requested asked for by a command: proven whatever the sampling policy says of volumes
   */
  record Subject(String snapshotId, SnapshotKind kind, String target, String store, String manifestKey,
      Instant completedAt, String correlationId, boolean requested) {}

  @Override
  public void handle(InboundRecord<Object> record, Outputs outputs) throws Exception {
    // a failed replication proves nothing; requests are the request handler's; other clusters have verifiers of their own
    if (record.value() instanceof SnapshotReplicated replicated && cluster.equals(replicated.getHeader().getCluster())) {
      snapshot(replicated, outputs);
    } else if (record.value() instanceof ChangeLogSegmentReplicated segment && cluster.equals(segment.getCluster())) {
      Optional<RestoreSource> copy = copy(segment.getStore(), segment.getSegmentKey(), outputs);
      if (copy.isPresent()) {
        segments.check(segment, copy.get(), outputs);
      }
    }
  }

  private void snapshot(SnapshotReplicated replicated, Outputs outputs) throws Exception {
    String snapshotId = replicated.getSnapshotId();
    if (snapshotId.equals(replicated.getManifestKey())) {
      // how replicators before ChangeLogSegmentReplicated reported a segment's copy: not a snapshot, and its
      // fields do not say which offsets it holds
      outputs.send(Topics.AUDIT, snapshotId, audit.event(AuditActions.VERIFICATION_SKIPPED, snapshotId, AuditOutcome.INFO)
          .correlationId(snapshotId).detail("kind", SegmentCheck.KIND).detail("store", replicated.getStore())
          .reason("a change-log segment's copy reported as a snapshot by an earlier replicator: segments are checked"
              + " from ChangeLogSegmentReplicated records").build());
      return;
    }
    if (history.verified(snapshotId, replicated.getStore())) {
      log.info("Snapshot {} in store {} was verified before: not again", snapshotId, replicated.getStore());
      return;
    }
    Optional<RestoreSource> copy = copy(replicated.getStore(), snapshotId, outputs);
    if (copy.isPresent()) {
      verify(new Subject(snapshotId, replicated.getKind(), replicated.getTarget(), replicated.getStore(),
          replicated.getManifestKey(), replicated.getSnapshotCompletedAt(), snapshotId, false), copy.get(), outputs);
    }
  }

  /** The copy in {@code store}; empty, and said so on the audit topic, when the store is not configured here. */
  private Optional<RestoreSource> copy(String store, String subject, Outputs outputs) {
    Optional<RestoreSource> copy = copies.source(store);
    if (copy.isEmpty()) {
      outputs.send(Topics.AUDIT, subject, audit.event(AuditActions.VERIFICATION_SKIPPED, subject, AuditOutcome.INFO)
          .correlationId(subject).reason("store " + store + " is not among the configured off-region stores "
              + copies.names()).build());
    }
    return copy;
  }

  /** Proves one snapshot copy (if sampled or requested) and publishes the result to {@code outputs}. */
  void verify(Subject subject, RestoreSource source, Outputs outputs) throws Exception {
    MDC.put("snapshot", subject.snapshotId());
    try {
      prove(subject, source, outputs);
    } finally {
      MDC.remove("snapshot");
    }
  }

  private void prove(Subject subject, RestoreSource source, Outputs outputs) throws Exception {
    String snapshotId = subject.snapshotId();
    String target = ProofHistory.target(subject.kind(), subject.target());
    Optional<Manifest> manifest;
    try {
      manifest = source.repository().manifests().read(subject.manifestKey());
    } catch (RuntimeException e) {
      if (ErrorClassifier.isRetriable(e)) {
        throw e;
      }
      manifest = Optional.empty();
      log.warn("Manifest {} of snapshot {} cannot be read from {}: {}", subject.manifestKey(), snapshotId,
          source.describe(), ErrorClassifier.describe(e));
    }
    if (manifest.isEmpty()) {
      Checks checks = new Checks().add("manifest", false, subject.manifestKey(), "missing or unreadable",
          Map.of("reason", "manifest " + subject.manifestKey() + " is missing from, or cannot be opened in, "
              + source.describe()));
      publish(subject, new SnapshotVerifier.Result(checks, "none", Duration.ZERO), target, outputs);
      return;
    }
    Progress progress = new AuditProgress(audit, "verification." + subject.kind().name().toLowerCase(Locale.ROOT),
        snapshotId, subject.correlationId(), clock);
    SnapshotVerifier.Result result;
    switch (subject.kind()) {
      case ETCD -> {
        begin(subject, null);
        result = verifier.etcd(source, manifest.get(), progress);
      }
      case VOLUME -> {
        if (!subject.requested() && !sampling.wantsVolume(snapshotId)) {
          log.debug("Volume snapshot {} not sampled", snapshotId);
          return;
        }
        begin(subject, null);
        result = verifier.volume(source, manifest.get(), progress);
      }
      case RESOURCES -> {
        List<String> candidates = manifest.get().streams().stream().map(Manifest.Stream::name)
            .filter(n -> !ResourceDocument.CLUSTER_SCOPED.equals(n) && !scratch.isScratch(n)).toList();
        List<String> chosen = sampling.namespaces(candidates);
        begin(subject, chosen);
        result = verifier.resources(source, manifest.get(), chosen, progress);
      }
      default -> {
        return;
      }
    }
    publish(subject, result, target, outputs);
  }

  private void begin(Subject subject, List<String> namespaces) {
    scratch.sweep();
    AuditPublisher.Builder started = audit.event(AuditActions.VERIFICATION_STARTED, subject.snapshotId(), AuditOutcome.STARTED)
        .correlationId(subject.correlationId()).detail("kind", subject.kind()).detail("target", subject.target())
        .detail("store", subject.store());
    if (namespaces != null) {
      started.detail("namespaces", String.join(",", namespaces));
    }
    started.publish(); // at once, not with the outputs: it says the work began
  }

  /**
   * Publishes a verification (with the subject's correlation id) and its audit event; metrics and
   * health follow it. Only a PASSED one advances the target's restore-proven RPO; one that
   * restored nothing (CHECKED_NOT_RESTORED) is published and audited as such, and neither counts
   * as a pass nor as a failure.
   */
  void publish(Subject subject, SnapshotVerifier.Result result, String target, Outputs outputs) {
    String snapshotId = subject.snapshotId();
    VerificationOutcome outcome = result.outcome();
    boolean passed = outcome == VerificationOutcome.PASSED;
    SnapshotVerified verified = SnapshotVerified.newBuilder().setHeader(events.header(subject.correlationId()))
        .setSnapshotId(snapshotId).setKind(subject.kind()).setTarget(subject.target()).setPassed(passed)
        .setOutcome(outcome).setStore(subject.store()).setScratchTarget(result.scratchTarget())
        .setChecks(result.list()).setSnapshotCompletedAt(subject.completedAt())
        .setDurationMillis(result.duration().toMillis()).build();
    outputs.send(Topics.VERIFICATIONS, snapshotId, verified);
    AuditPublisher.Builder event = audit.event(ACTIONS.get(outcome), snapshotId, AUDIT_OUTCOMES.get(outcome))
        .correlationId(subject.correlationId()).detail("kind", subject.kind()).detail("target", subject.target())
        .detail("store", subject.store()).detail("outcome", outcome)
        .detail("scratchTarget", result.scratchTarget()).detail("durationMillis", result.duration().toMillis())
        .detail("checks", result.list().stream().map(c -> c.getName() + "=" + (c.getPassed() ? "passed" : "FAILED"))
            .reduce((a, b) -> a + "," + b).orElse(""));
    if (outcome == VerificationOutcome.FAILED) {
      event.reason(result.checks().failureSummary());
    } else if (outcome == VerificationOutcome.CHECKED_NOT_RESTORED) {
      event.reason("nothing was restored: " + result.notRestored() + "; " + result.list().size() + " checks passed; the"
          + " restore-proven RPO of " + target + " does not advance");
    }
    outputs.send(Topics.AUDIT, subject.correlationId(), event.build());
    if (subject.store().isEmpty()) {
      return; // nothing was found to restore: no target was proven or failed
    }
    history.record(verified, false);
    switch (outcome) {
      case PASSED -> {
        metrics.passed(target, snapshotId);
        log.info("Snapshot {} of {} proven from store {} in {} ms", snapshotId, target, subject.store(),
            result.duration().toMillis());
      }
      case CHECKED_NOT_RESTORED -> {
        metrics.checkedNotRestored(target, snapshotId);
        log.warn("Snapshot {} of {} checked but NOT restored ({}): it proves no restore", snapshotId, target,
            result.notRestored());
      }
      default -> {
        metrics.failed(target, snapshotId, subject.store(), result.checks().failureSummary());
        log.error("Snapshot {} of {} FAILED verification from store {}: {}", snapshotId, target, subject.store(),
            result.checks().failureSummary());
      }
    }
  }

  /** The audit action of each outcome. */
  static final Map<VerificationOutcome, String> ACTIONS = Map.of(VerificationOutcome.PASSED, AuditActions.VERIFICATION_PASSED,
      VerificationOutcome.FAILED, AuditActions.VERIFICATION_FAILED, VerificationOutcome.CHECKED_NOT_RESTORED,
      AuditActions.VERIFICATION_NOT_RESTORED);
  private static final Map<VerificationOutcome, AuditOutcome> AUDIT_OUTCOMES = Map.of(VerificationOutcome.PASSED,
      AuditOutcome.SUCCEEDED, VerificationOutcome.FAILED, AuditOutcome.FAILED, VerificationOutcome.CHECKED_NOT_RESTORED,
      AuditOutcome.INFO);
}
