package dev.lifeboat.verifier;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ChangeLogSegmentReplicated;
import dev.lifeboat.repository.changelog.ChangeLogEntry;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentRef;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.topics.Topics;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A change-log segment copied off-region ({@code ChangeLogSegmentReplicated}) is read back from the
 * copy: fetched, authenticated, decoded, and its header and entries must be what the record says it
 * holds (cluster, partition, first and last offset). It is not a snapshot: no {@code
 * SnapshotVerified} is published and the proven RPO of resources still counts from the last proven
 * resource snapshot. A failure is as loud as a failed verification: an audit event, the failure
 * counter and a DEGRADED health until a later segment of that cluster and store reads back. A
 * segment gone from the copy because a merged segment covering it replaced it there is not a failure
 * (the merged one is checked on its own record).
 */
final class SegmentCheck {
  private static final Logger log = LoggerFactory.getLogger(SegmentCheck.class);
  /** The {@code kind} detail of a failed segment's audit event. */
  static final String KIND = "CHANGELOG_SEGMENT";

  private final VerifierMetrics metrics;
  private final AuditPublisher audit;

  SegmentCheck(VerifierMetrics metrics, AuditPublisher audit) {
    this.metrics = metrics;
    this.audit = audit;
  }

  /** Reads the copy back; a store that cannot be reached is thrown (retriable), anything else is the check's result. */
  void check(ChangeLogSegmentReplicated copy, RestoreSource source, Outputs outputs) {
    String key = copy.getSegmentKey();
    String problem;
    int entries = 0;
    try {
      Optional<byte[]> plaintext = source.segments().read(key);
      if (plaintext.isEmpty()) {
        Optional<SegmentRef> merged = source.segments().covering(copy.getCluster(), copy.getPartition(),
            copy.getFirstOffset(), copy.getLastOffset());
        if (merged.isPresent()) { // merged into a larger segment since it was copied; that one is checked on its own record
          log.debug("Change-log segment {} was merged into {} in store {}", key, merged.get().key(), copy.getStore());
          return;
        }
        problem = "segment " + key + " is missing from " + source.describe();
      } else {
        SegmentFormat.Segment segment = SegmentFormat.read(plaintext.get());
        entries = segment.entries().size();
        problem = mismatch(copy, segment);
      }
    } catch (RuntimeException e) {
      if (ErrorClassifier.isRetriable(e)) {
        throw e;
      }
      problem = "segment " + key + " cannot be read from " + source.describe() + ": " + ErrorClassifier.describe(e);
    }
    if (problem == null) {
      metrics.segmentPassed(copy.getCluster(), copy.getStore());
      log.debug("Change-log segment {} read back from store {}: {} changes", key, copy.getStore(), entries);
      return;
    }
    metrics.segmentFailed(copy.getCluster(), copy.getStore(), key, problem);
    log.error("Change-log segment {} FAILED its check in store {}: {}", key, copy.getStore(), problem);
    outputs.send(Topics.AUDIT, key, audit.event(AuditActions.VERIFICATION_FAILED, key, AuditOutcome.FAILED)
        .correlationId(key).detail("kind", KIND).detail("target", copy.getCluster()).detail("store", copy.getStore())
        .reason(problem).build());
  }

  /** Why a decoded segment is not the one the record names; null when it is. */
  static String mismatch(ChangeLogSegmentReplicated expected, SegmentFormat.Segment segment) {
    SegmentFormat.Header h = segment.header();
    if (!h.cluster().equals(expected.getCluster()) || h.partition() != expected.getPartition()
        || h.firstOffset() != expected.getFirstOffset() || h.lastOffset() != expected.getLastOffset()) {
      return "segment " + expected.getSegmentKey() + " holds cluster " + h.cluster() + " partition " + h.partition()
          + " offsets " + h.firstOffset() + "-" + h.lastOffset() + ", not cluster " + expected.getCluster() + " partition "
          + expected.getPartition() + " offsets " + expected.getFirstOffset() + "-" + expected.getLastOffset();
    }
    long previous = -1;
    for (ChangeLogEntry entry : segment.entries()) {
      if (entry.offset() < h.firstOffset() || entry.offset() > h.lastOffset() || entry.offset() <= previous) {
        return "segment " + expected.getSegmentKey() + " holds offset " + entry.offset()
            + " out of order or outside its range";
      }
      previous = entry.offset();
    }
    return null;
  }
}
