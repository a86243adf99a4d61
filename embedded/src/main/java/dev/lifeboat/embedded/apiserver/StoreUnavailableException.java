package dev.lifeboat.embedded.apiserver;

/** The store could not be read or written; the request fails with an error the client sees. */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
