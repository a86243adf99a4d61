package dev.lifeboat.schemas.registry;

/**
 * The registry's TLS certificate could not be verified: signed by a CA the client does not trust, or
 * naming another host. Permanent: trying again meets the same certificate; the trusted CA or the URL
 * must change.
 */
public class RegistryCertificateException extends RuntimeException {
  public RegistryCertificateException(String message, Throwable cause) {
    super(message, cause);
  }
}
