package dev.lifeboat.repository.blob;

import dev.lifeboat.retry.RetriableFailure;

/**
 * A store refused an upload because the bytes that arrived do not have the SHA-256 they were sent
 * with: they were damaged on the way (sending them again may help), or the source itself does not hold
 * what its checksum says (the caller checks the source to tell which).
 */
public final class ChecksumMismatchException extends RetriableFailure {
  private final String key;

  public ChecksumMismatchException(String key, String message) {
    super(message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
