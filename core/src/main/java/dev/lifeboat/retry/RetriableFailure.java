package dev.lifeboat.retry;

/** A failure that may pass if the same work is tried again later: a store down, a timeout. */
public class RetriableFailure extends RuntimeException {
  public RetriableFailure(String message) {
    super(message);
  }

  public RetriableFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
