package dev.lifeboat.verifier;

import dev.lifeboat.verifier.VerifierConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.List;

/**
 * Decides what to prove: every etcd snapshot; a fraction of volume snapshots, chosen by a hash of
 * the snapshot id (so a record delivered twice, or the same snapshot replicated to two stores, is
 * chosen the same way); for resource snapshots, {@code namespacesPerSnapshot} namespaces, least
 * recently proven first, more when some would otherwise not be proven within the rotation period.
 */
final class SamplingPolicy {
  private final VerifierConfig config;
  private final ProofHistory history;
  private final Clock clock;

  SamplingPolicy(VerifierConfig config, ProofHistory history, Clock clock) {
    this.config = config;
    this.history = history;
    this.clock = clock;
  }

  boolean wantsVolume(String snapshotId) {
    return config.volumeFraction() >= 1 || config.volumeFraction() > 0 && position(snapshotId) < config.volumeFraction();
  }

  List<String> namespaces(List<String> candidates) {
    return history.choose(candidates, config.namespacesPerSnapshot(), config.rotationPeriod(), clock.instant());
  }

  /** Where a snapshot id falls in [0, 1): the first 53 bits of its SHA-256. */
  static double position(String snapshotId) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(snapshotId.getBytes(StandardCharsets.UTF_8));
      return (ByteBuffer.wrap(hash).getLong() >>> 11) / (double) (1L << 53);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
