package dev.lifeboat.retry;

import dev.lifeboat.schemas.registry.RegistryCertificateException;
import dev.lifeboat.schemas.registry.RegistryUnavailableException;
import dev.lifeboat.schemas.serde.UndecodableRecordException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RetriableException;

/**
 * Decides, at the boundary, whether a failure is worth retrying. Retriable: I/O, timeouts, Kafka's
 * retriable errors, an unreachable schema registry, and our own {@link RetriableFailure}. Everything
 * else is permanent: bad input, refused credentials, an untrusted certificate, bugs. An explicit {@link PermanentFailure} or an
 * {@link UndecodableRecordException} anywhere in the cause chain wins over a retriable cause deeper
 * down (Avro reports truncated bytes as an {@code EOFException}).
 */
public final class ErrorClassifier {
  private ErrorClassifier() {}

  public static boolean isRetriable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof PermanentFailure || t instanceof UndecodableRecordException) {
        return false; // undecodable bytes stay undecodable, whatever I/O error the Avro decoder raised
      }
      if (t instanceof RegistryCertificateException) {
        return false; // an untrusted certificate stays untrusted, though the handshake failed with an IOException
      }
      if (t instanceof RetriableFailure
          || t instanceof RetriableException
          || t instanceof RegistryUnavailableException
          || t instanceof IOException
          || t instanceof UncheckedIOException
          || t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** A one-line description of an error for logs, audit events and dead-letter headers. */
  public static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    Throwable t = error;
    int depth = 0;
    while (t != null && depth++ < 4) {
      if (text.length() > 0) {
        text.append(" <- ");
      }
      text.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        text.append(": ").append(t.getMessage());
      }
      t = t.getCause() == t ? null : t.getCause();
    }
    return text.length() > 2000 ? text.substring(0, 2000) + "..." : text.toString();
  }
}
