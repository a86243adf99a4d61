package dev.lifeboat.replicator;

import dev.lifeboat.retry.PermanentFailure;

/**
 * An object of the source repository whose bytes do not match its checksum (its name, for packs
 * and index files; the SHA-256 published with the snapshot, for manifests and segments). It is not
 * copied, and copying it again cannot help.
 */
final class DamagedObjectException extends PermanentFailure {
  private final String key;

  DamagedObjectException(String key, String what) {
    super(key + " is damaged: " + what);
    this.key = key;
  }

  String key() {
    return key;
  }
}
