package dev.lifeboat.repository.blob;

import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.InvalidResponseException;
import io.minio.errors.ServerException;
import io.minio.errors.XmlParserException;
import java.io.IOException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what the MinIO client throws into {@link RetriableFailure} or {@link PermanentFailure}, with a
 * message naming the operation, the key, the store and the S3 error code. The client wraps the real
 * cause in one or more {@code MinioException}s, so the whole cause chain is searched.
 */
final class S3Failures {
  /** S3 error codes that mean "not now" rather than "not ever", whatever their HTTP status. */
  private static final Set<String> RETRIABLE_CODES = Set.of(
      "SlowDown", "SlowDownRead", "SlowDownWrite", "Throttling", "ThrottlingException", "RequestThrottled",
      "RequestLimitExceeded", "TooManyRequests", "RequestTimeout", "RequestTimeoutException", "InternalError",
      "ServiceUnavailable", "ServerError",
      // two conditional writes of one key at once: S3 asks the loser to try again
      "ConditionalRequestConflict",
      // the bytes that arrived do not match the checksum sent with them: damaged on the way, send them again
      "BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch");
  /** S3 error codes that no retry can change, whatever their HTTP status (NotImplemented comes with a 501). */
  private static final Set<String> PERMANENT_CODES = Set.of("NotImplemented");
  private static final Pattern RESPONSE_CODE = Pattern.compile("Response code: (\\d{3})");

  private S3Failures() {}

  /** The S3 error code if the store answered with one (e.g. {@code NoSuchKey}), else null. */
  static String errorCode(Throwable error) {
    ErrorResponseException response = find(error, ErrorResponseException.class);
    return response == null || response.errorResponse() == null ? null : response.errorResponse().code();
  }

  /** Whether checking the store's certificate failed (untrusted CA, another host's name), not the network. */
  static boolean isUntrustedCertificate(Throwable error) {
    return find(error, java.security.cert.CertificateException.class) != null;
  }

  static boolean isNoSuchKey(Throwable error) {
    return "NoSuchKey".equals(errorCode(error));
  }

  /** S3 answers 416 InvalidRange to a range that starts at or past the end of an object. */
  static boolean isInvalidRange(Throwable error) {
    return "InvalidRange".equals(errorCode(error));
  }

  /**
   * The classified failure for {@code error}, thrown by {@code op} on {@code key} in {@code store}.
   *
   * @param key the relative key, or a listing prefix
   */
  static RuntimeException classify(String op, String key, String store, Throwable error) {
    String what = op + " " + key + " in " + store;
    if (find(error, InterruptedException.class) != null) {
      Thread.currentThread().interrupt();
      return new RetriableFailure(what + ": interrupted", error);
    }
    ErrorResponseException response = find(error, ErrorResponseException.class);
    if (response != null) {
      String code = response.errorResponse() == null ? "unknown" : response.errorResponse().code();
      int status = response.response() == null ? -1 : response.response().code();
      String message = response.errorResponse() == null ? null : response.errorResponse().message();
      String text = what + ": " + code + (status > 0 ? " (HTTP " + status + ")" : "")
          + (message == null || message.isBlank() ? "" : ": " + message);
      return !PERMANENT_CODES.contains(code) && (RETRIABLE_CODES.contains(code) || isRetriableStatus(status))
          ? new RetriableFailure(text, error) : new PermanentFailure(text, error);
    }
    ServerException server = find(error, ServerException.class);
    if (server != null) {
      String text = what + ": HTTP " + server.statusCode() + ": " + server.getMessage();
      return isRetriableStatus(server.statusCode()) ? new RetriableFailure(text, error) : new PermanentFailure(text, error);
    }
    InvalidResponseException invalid = find(error, InvalidResponseException.class);
    if (invalid != null) {
      // Not an S3 answer: a proxy or load balancer spoke. Its status says whether to wait.
      Matcher m = RESPONSE_CODE.matcher(String.valueOf(invalid.getMessage()));
      int status = m.find() ? Integer.parseInt(m.group(1)) : -1;
      String text = what + ": not an S3 response (HTTP " + status + ")";
      return status < 0 || isRetriableStatus(status) ? new RetriableFailure(text, error) : new PermanentFailure(text, error);
    }
    InsufficientDataException shortStream = find(error, InsufficientDataException.class);
    if (shortStream != null) {
      return new PermanentFailure(what + ": the stream ended before the declared length: " + shortStream.getMessage(), error);
    }
    if (isUntrustedCertificate(error)) {
      // The handshake fails with an IOException, but the same certificate is met on every try.
      return new PermanentFailure(what + ": the store's TLS certificate is not trusted (" + error.getMessage()
          + "): is the store's caFile the CA that signed it, and does the certificate name the endpoint's host?", error);
    }
    IOException io = find(error, IOException.class);
    if (io != null) {
      return new RetriableFailure(what + ": " + io.getClass().getSimpleName() + ": " + io.getMessage(), error);
    }
    if (find(error, XmlParserException.class) != null) {
      // A garbled or truncated answer: the next one is likely whole.
      return new RetriableFailure(what + ": unreadable response: " + error.getMessage(), error);
    }
    if (error instanceof RetriableFailure || error instanceof PermanentFailure) {
      return (RuntimeException) error;
    }
    return new PermanentFailure(what + ": " + error.getClass().getSimpleName() + ": " + error.getMessage(), error);
  }

  /**
   * The classified failure for an S3 error answer read directly (not through the MinIO client).
   *
   * @param code the S3 error code from the answer's XML, or null if it had none
   */
  static RuntimeException classify(String op, String key, String store, int status, String code, String message) {
    String text = op + " " + key + " in " + store + ": " + (code == null ? "HTTP " + status : code + " (HTTP " + status + ")")
        + (message == null || message.isBlank() ? "" : ": " + message);
    boolean retriable = code == null ? isRetriableStatus(status)
        : !PERMANENT_CODES.contains(code) && (RETRIABLE_CODES.contains(code) || isRetriableStatus(status));
    return retriable ? new RetriableFailure(text) : new PermanentFailure(text);
  }

  /** 5xx, 429 (too many requests) and 408 (request timeout) may pass; other statuses will not. */
  static boolean isRetriableStatus(int status) {
    return status >= 500 || status == 429 || status == 408;
  }

  private static <T extends Throwable> T find(Throwable error, Class<T> type) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
