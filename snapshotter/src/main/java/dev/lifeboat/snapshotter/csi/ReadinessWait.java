package dev.lifeboat.snapshotter.csi;

import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Polls a VolumeSnapshot until its {@code status.readyToUse} is true and it is bound to a
 * VolumeSnapshotContent, the CSI driver reports {@code status.error}, it disappears, or the timeout
 * passes. Polls start every {@code firstPause} and slow down to every {@code maxPause}: a driver
 * often finishes in seconds, but cloud snapshots can take many minutes.
 *
 * <p>An API call that fails retriably while waiting is tried again at the next poll; only when the
 * timeout passes with the API still failing is that reported, as a {@link RetriableFailure}, since
 * the snapshot may well be ready by then.
 */
final class ReadinessWait {

  /** How the wait ended. */
  sealed interface Outcome {
    /** The last state seen. */
    GenericKubernetesResource snapshot();
  }

  /** Ready to use, bound to {@code status.boundVolumeSnapshotContentName}. */
  record Ready(GenericKubernetesResource snapshot, Instant at) implements Outcome {}

  /** The CSI driver (through the snapshot controller) reported an error. */
  record Failed(GenericKubernetesResource snapshot, String message) implements Outcome {}

  /** The timeout passed; {@code snapshot} is the last state seen. */
  record TimedOut(GenericKubernetesResource snapshot) implements Outcome {}

  private final VolumeSnapshots snapshots;
  private final Clock clock;
  private final Duration firstPause;
  private final Duration maxPause;

  ReadinessWait(VolumeSnapshots snapshots, Clock clock, Duration firstPause, Duration maxPause) {
    this.snapshots = snapshots;
    this.clock = clock;
    this.firstPause = firstPause;
    this.maxPause = maxPause;
  }

  Outcome await(GenericKubernetesResource created, Duration timeout) {
    String namespace = created.getMetadata().getNamespace();
    String name = created.getMetadata().getName();
    Instant deadline = clock.instant().plus(timeout);
    GenericKubernetesResource last = created;
    RetriableFailure apiFailure = null;
    Duration pause = firstPause;
    while (true) {
      try {
        GenericKubernetesResource current = snapshots.get(namespace, name);
        apiFailure = null;
        if (current == null) {
          throw new PermanentFailure("VolumeSnapshot " + namespace + "/" + name + " was deleted while Lifeboat waited for "
              + "it to become ready to use (not by Lifeboat): the snapshot is abandoned");
        }
        last = current;
        String error = errorMessage(current);
        if (error != null) {
          return new Failed(current, error);
        }
        if (Boolean.TRUE.equals(current.get("status", "readyToUse")) && contentName(current) != null) {
          return new Ready(current, clock.instant());
        }
      } catch (RetriableFailure e) {
        apiFailure = e;
      }
      Duration left = Duration.between(clock.instant(), deadline);
      if (left.isNegative() || left.isZero()) {
        if (apiFailure != null) {
          throw new RetriableFailure("the Kubernetes API failed while Lifeboat waited for VolumeSnapshot " + namespace
              + "/" + name + " to become ready; the request is retried and takes up the same VolumeSnapshot", apiFailure);
        }
        return new TimedOut(last);
      }
      sleep(pause.compareTo(left) < 0 ? pause : left, namespace + "/" + name);
      pause = pause.multipliedBy(2).compareTo(maxPause) < 0 ? pause.multipliedBy(2) : maxPause;
    }
  }

  static String contentName(GenericKubernetesResource snapshot) {
    return snapshot.get("status", "boundVolumeSnapshotContentName");
  }

  static String errorMessage(GenericKubernetesResource snapshot) {
    Object message = snapshot.get("status", "error", "message");
    return message == null ? null : message.toString();
  }

  /** What a VolumeSnapshot that is not ready shows, for messages: readiness, content, error. */
  static String describe(GenericKubernetesResource snapshot) {
    String content = contentName(snapshot);
    Object ready = snapshot.get("status", "readyToUse");
    if (snapshot.get("status") == null) {
      return "it has no status yet: no snapshot controller has taken it up";
    }
    return "readyToUse=" + (ready == null ? "unset" : ready) + ", "
        + (content == null ? "no VolumeSnapshotContent bound yet (the CSI driver has not cut the snapshot)"
            : "bound to VolumeSnapshotContent " + content + " (cut, but not ready to use)");
  }

  private static void sleep(Duration pause, String snapshot) {
    try {
      Thread.sleep(Math.max(1, pause.toMillis()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableFailure("interrupted while waiting for VolumeSnapshot " + snapshot + " to become ready", e);
    }
  }
}
