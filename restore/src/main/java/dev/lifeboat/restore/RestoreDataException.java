package dev.lifeboat.restore;

import dev.lifeboat.retry.PermanentFailure;

/**
 * What was stored cannot be restored as it is: a chunk that does not authenticate or is missing, a
 * stream that does not hash to its manifest's SHA-256, a snapshot that does not exist. Retrying does
 * not help; the message and {@link #object()} name what is at fault.
 */
public final class RestoreDataException extends PermanentFailure {
  private final String object;

  /** @param object what is at fault: {@code chunk <id>}, {@code stream shop}, {@code manifest <key>} */
  public RestoreDataException(String object, String message, Throwable cause) {
    super(message, cause);
    this.object = object;
  }

  public String object() {
    return object;
  }

  /** The chunk id, when a chunk is at fault. */
  public String chunkId() {
    return object.startsWith("chunk ") ? object.substring("chunk ".length()) : null;
  }
}
