package dev.lifeboat.schemas.registry;

/** The registry answered with an error, Confluent style: an HTTP status and an error code. */
public class RegistryException extends RuntimeException {
  private final int httpStatus;
  private final int errorCode;
  private final String errorMessage;

  public RegistryException(int httpStatus, int errorCode, String message) {
    super(message + " (HTTP " + httpStatus + ", error code " + errorCode + ")");
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
    this.errorMessage = message;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** Confluent error code: 40401 subject not found, 40402 version not found, 40403 schema not found, 409 incompatible, 42201 invalid schema. */
  public int errorCode() {
    return errorCode;
  }

  /** The registry's own message, as it appears in the {@code message} field of an error body. */
  public String errorMessage() {
    return errorMessage;
  }
}
