package dev.lifeboat.verifier;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.VerificationRequested;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.restore.RestoreSource;
import dev.lifeboat.runtime.InboundRecord;
import dev.lifeboat.runtime.Outputs;
import dev.lifeboat.runtime.RecordHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves verifications asked for by a VerifyNow command. The commands worker writes the request as
 * a {@code VerificationRequested} on {@code lifeboat.replications} (request id the command id, a
 * snapshot id and/or a target); this handler finds the snapshot (by id, or the newest of the target)
 * in the off-region stores, in the order they are configured, proves it whatever the sampling policy
 * says, and publishes the {@code SnapshotVerified} with the request id as its correlation id, which
 * is what completes the command. A snapshot that no off-region store holds is answered too: a failed
 * verification (check {@code snapshot-found}), so the command does not wait for its timeout.
 * Requests older than {@link #STALE} are ignored: the command gave up on them. Every other record of
 * the topic is the {@link VerificationHandler}'s.
 */
final class VerifyRequestHandler implements RecordHandler<Object> {
  private static final Logger log = LoggerFactory.getLogger(VerifyRequestHandler.class);
  /** As long as a VerifyNow command waits for its answer by default. */
  static final Duration STALE = Duration.ofHours(6);
  private static final List<SnapshotKind> KINDS = List.of(SnapshotKind.RESOURCES, SnapshotKind.ETCD, SnapshotKind.VOLUME);

  private final String cluster;
  private final OffsiteCopies copies;
  private final VerificationHandler verifications;
  private final Clock clock;

  VerifyRequestHandler(String cluster, OffsiteCopies copies, VerificationHandler verifications, Clock clock) {
    this.cluster = cluster;
    this.copies = copies;
    this.verifications = verifications;
    this.clock = clock;
  }

  @Override
  public void handle(InboundRecord<Object> record, Outputs outputs) throws Exception {
    if (!(record.value() instanceof VerificationRequested request) || !cluster.equals(request.getHeader().getCluster())) {
      return;
    }
    String commandId = request.getRequestId();
    if (request.getHeader().getTime().isBefore(clock.instant().minus(STALE))) {
      log.info("Verification request of command {} is older than {}: ignored", commandId, STALE);
      return;
    }
    String snapshotId = blankToNull(request.getSnapshotId());
    String target = blankToNull(request.getTarget());
    log.info("Verification of {} requested by command {} of {}", snapshotId != null ? "snapshot " + snapshotId
        : "the newest snapshot of " + target, commandId, request.getRequestedBy());
    for (String store : copies.names()) {
      Optional<RestoreSource> source;
      try {
        source = copies.source(store);
      } catch (RuntimeException e) {
        if (dev.lifeboat.retry.ErrorClassifier.isRetriable(e)) {
          throw e;
        }
        log.warn("Store {} holds no readable repository: {}", store, e.getMessage());
        continue;
      }
      Optional<Manifest> found = source.flatMap(s -> find(s, snapshotId, target));
      if (found.isPresent()) {
        Manifest m = found.get();
        verifications.verify(new VerificationHandler.Subject(m.snapshotId(), m.kind(), m.target(), store,
            ManifestStore.key(m.kind(), m.target(), m.snapshotId()), m.createdAt(), commandId, true), source.get(), outputs);
        return;
      }
    }
    String what = snapshotId != null ? "snapshot " + snapshotId : "a snapshot of target " + target;
    Checks checks = new Checks().add("snapshot-found", false, what, "none", Map.of("reason", "no off-region store "
        + copies.names() + " holds " + what + " (not replicated yet?)"));
    verifications.publish(new VerificationHandler.Subject(snapshotId == null ? "" : snapshotId,
        "etcd".equals(target) ? SnapshotKind.ETCD : SnapshotKind.RESOURCES, target == null ? "" : target, "", "",
        Instant.EPOCH, commandId, true), new SnapshotVerifier.Result(checks, "none", Duration.ZERO), "", outputs);
  }

  /** The snapshot by id, or the newest snapshot of the target, of any kind. */
  private static Optional<Manifest> find(RestoreSource source, String snapshotId, String target) {
    if (snapshotId != null) {
      for (SnapshotKind kind : KINDS) {
        Optional<Manifest> m = source.findManifest(kind, snapshotId);
        if (m.isPresent() && (target == null || target.equals(m.get().target()))) {
          return m;
        }
      }
      return Optional.empty();
    }
    if (target == null) {
      return Optional.empty();
    }
    return KINDS.stream().map(kind -> source.repository().manifests().latest(kind, target))
        .flatMap(Optional::stream).max(Comparator.comparing(Manifest::snapshotId));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
