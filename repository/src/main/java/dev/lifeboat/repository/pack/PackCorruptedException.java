package dev.lifeboat.repository.pack;

import dev.lifeboat.retry.PermanentFailure;

/**
 * A pack's trailer or header, or an index file, is damaged: the chunks it lists cannot be learnt
 * from it. The message names the object.
 */
public final class PackCorruptedException extends PermanentFailure {
  private final String object;

  /** @param object what is damaged: {@code pack <name>} or {@code index file <key>} */
  public PackCorruptedException(String object, String reason, Throwable cause) {
    super(object + " is corrupted: " + reason, cause);
    this.object = object;
  }

  public String object() {
    return object;
  }
}
