package dev.lifeboat.schemas.registry;

/** The registry could not be reached (connection refused, timeout); retriable. */
public class RegistryUnavailableException extends RuntimeException {
  public RegistryUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
