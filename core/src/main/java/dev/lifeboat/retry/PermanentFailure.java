package dev.lifeboat.retry;

/** A failure that the same input will always hit: invalid content, refused credentials, a missing object. */
public class PermanentFailure extends RuntimeException {
  public PermanentFailure(String message) {
    super(message);
  }

  public PermanentFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
