package dev.lifeboat.restore;

import java.time.Duration;

/**
 * An etcd snapshot restored, started on loopback and compared with its manifest.
 *
 * @param manifestRevision the revision recorded when the snapshot was taken
 * @param manifestKeys the live keys counted then
 * @param restoredRevision the revision the scratch etcd reports
 * @param restoredKeys the live keys in the scratch etcd
 * @param revisionMatches the restored revision is not older than the recorded one
 * @param keysMatch the key counts are equal, or (when writes happened while the snapshot was
 *     taken) differ by no more than the revisions between them
 * @param endpoint where the scratch etcd served (stopped since)
 */
public record EtcdVerification(EtcdRestoreReport restore, long manifestRevision, long manifestKeys, long restoredRevision,
    long restoredKeys, boolean revisionMatches, boolean keysMatch, String endpoint, Duration duration) {

  public boolean passed() {
    return revisionMatches && keysMatch;
  }
}
