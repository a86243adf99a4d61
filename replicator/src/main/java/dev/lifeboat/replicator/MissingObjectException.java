package dev.lifeboat.replicator;

import dev.lifeboat.retry.PermanentFailure;

/** An object an event names that the source repository does not have (any more). */
final class MissingObjectException extends PermanentFailure {
  private final String key;

  MissingObjectException(String key, String why) {
    super(why);
    this.key = key;
  }

  String key() {
    return key;
  }
}
