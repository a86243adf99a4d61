package dev.lifeboat.repository.blob;

import dev.lifeboat.config.ReplicationConfig.ObjectLock;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.minio.credentials.Credentials;
import io.minio.credentials.Provider;
import javax.crypto.Mac;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;
import javax.crypto.spec.SecretKeySpec;

/**
 * One S3 PUT of a whole object, streamed from the caller's stream to the socket through a 64 KiB
 * buffer: no part buffer, no hashing on the client. The request carries the object's SHA-256 ({@code x-amz-checksum-sha256}),
 * which the store checks against the bytes it receives before it stores them (a mismatch is refused
 * with BadDigest), and {@code If-None-Match: *}, so an existing object is never replaced (412).
 * Signed with AWS Signature Version 4 and an unsigned payload: the checksum, not the signature,
 * protects the bytes.
 *
 * <p>The MinIO client cannot send a checksum the caller already knows, and over plain HTTP it hashes
 * every byte for the signature and buffers every part; this is what the replicator's copies go through.
 * {@link HttpURLConnection} in fixed-length streaming mode writes the body straight to the socket
 * (the JDK's asynchronous {@code HttpClient} cost 10-15% more CPU per byte here) and reuses
 * connections once an answer is read to its end.
 */
final class S3SignedPut {
  private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
  private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");
  private static final String UNSIGNED = "UNSIGNED-PAYLOAD";
  private static final int BUFFER = 64 * 1024;
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** The longest the store may stay silent while a request is sent or answered, as for the MinIO client. */
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  private final URI endpoint;
  private final String region;
  private final String bucket;
  private final boolean virtualHosted;
  private final Provider credentials;
  /** TLS sockets trusting the store's CA, or null for the JDK's default. */
  private final SSLSocketFactory sockets;
  private final ObjectLock objectLock;
  private final String description;
  private final Clock clock;

  /**
   * @param credentials asked for the keys on every PUT, so rotated keys are used as soon as the
   *     provider has them
   * @param sockets TLS sockets for an https:// endpoint with a private CA; null: the JDK's default
   */
  S3SignedPut(String endpoint, String region, String bucket, Provider credentials, SSLSocketFactory sockets,
      ObjectLock objectLock, String description, Clock clock) {
    this.endpoint = URI.create(endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint);
    this.region = region == null || region.isBlank() ? "us-east-1" : region;
    this.bucket = bucket;
    // AWS serves new buckets by virtual host only; other S3 servers are addressed by path, as the MinIO client does
    this.virtualHosted = this.endpoint.getHost().endsWith(".amazonaws.com") && !bucket.contains(".");
    this.credentials = credentials;
    this.sockets = sockets;
    this.objectLock = objectLock;
    this.description = description;
    this.clock = clock;
  }

  /**
   * Stores {@code body} ({@code length} bytes) as {@code object} (the full object name, prefix
   * included) unless it exists.
   *
   * @param key the blob key, for messages
   * @param sha256Hex the SHA-256 the store must find in the bytes it receives
   * @return whether the object was written, and whether the store confirmed the checksum
   * @throws ChecksumMismatchException the store received other bytes
   */
  BlobStore.Written put(String key, String object, InputStream body, long length, String sha256Hex) {
    URI uri = uri(object);
    Instant now = clock.instant();
    String amzDate = AMZ_DATE.format(now);
    String checksum = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex));
    TreeMap<String, String> signed = new TreeMap<>();
    signed.put("host", hostHeader(uri));
    signed.put("if-none-match", "*");
    signed.put("x-amz-checksum-sha256", checksum);
    signed.put("x-amz-content-sha256", UNSIGNED);
    signed.put("x-amz-date", amzDate);
    Credentials keys = credentials.fetch();
    if (keys.sessionToken() != null && !keys.sessionToken().isEmpty()) {
      signed.put("x-amz-security-token", keys.sessionToken());
    }
    if (objectLock != null) {
      signed.put("x-amz-object-lock-mode", objectLock.mode().name());
      signed.put("x-amz-object-lock-retain-until-date",
          DateTimeFormatter.ISO_INSTANT.format(now.plus(Duration.ofDays(objectLock.days())).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
    }
    HttpURLConnection connection;
    try {
      connection = (HttpURLConnection) uri.toURL().openConnection();
      if (sockets != null && connection instanceof HttpsURLConnection https) {
        https.setSSLSocketFactory(sockets);
      }
    } catch (IOException e) {
      throw new RetriableFailure("put " + key + " in " + description + ": " + e, e);
    }
    int status;
    String answer;
    try {
      connection.setRequestMethod("PUT");
      connection.setDoOutput(true);
      connection.setFixedLengthStreamingMode(length);
      connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
      connection.setReadTimeout((int) READ_TIMEOUT.toMillis());
      signed.forEach((name, value) -> {
        if (!name.equals("host")) {
          connection.setRequestProperty(name, value);
        }
      });
      connection.setRequestProperty("Authorization", authorization(uri, signed, amzDate, keys));
      byte[] buffer = new byte[BUFFER];
      try (OutputStream out = connection.getOutputStream()) {
        for (int n; (n = read(body, buffer, connection)) >= 0; ) {
          out.write(buffer, 0, n);
        }
      } catch (IOException sending) {
        // The connection broke, or the store answered before the body was complete (refused
        // credentials, say) and closed it; HttpURLConnection cannot read that answer any more.
        connection.disconnect();
        if (S3Failures.isUntrustedCertificate(sending)) {
          throw S3Failures.classify("put", key, description, sending);
        }
        throw new SendFailure("put " + key + " in " + description + ": sending the object failed: " + sending, sending);
      }
      status = connection.getResponseCode();
      try (InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
        answer = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      connection.disconnect();
      throw new RetriableFailure("put " + key + " in " + description + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), e);
    }
    if (status == 200) {
      String echoed = connection.getHeaderField("x-amz-checksum-sha256");
      return new BlobStore.Written(true, checksum.equals(echoed));
    }
    if (status == 412) {
      return new BlobStore.Written(false, false);
    }
    String code = first(CODE, answer);
    String message = first(MESSAGE, answer);
    if ("BadDigest".equals(code) || "InvalidDigest".equals(code)) {
      throw new ChecksumMismatchException(key, "put " + key + " in " + description + ": the bytes that arrived do not have"
          + " SHA-256 " + sha256Hex + " (" + code + ")");
    }
    if (objectLock != null && "NotImplemented".equals(code)) {
      throw new PermanentFailure("put " + key + " in " + description + ": the store does not implement S3 Object Lock,"
          + " which this store's objectLockMode asks for (" + message + ")");
    }
    throw S3Failures.classify("put", key, description, status, code, message);
  }

  /** Sending the body failed; what the store would have answered is unknown. */
  static final class SendFailure extends RetriableFailure {
    SendFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Reads the caller's stream; if it fails (a damaged source refusing to go on), the request is
   * dropped before its body is complete, so the store stores nothing, and the caller's failure is
   * thrown as it is.
   */
  private static int read(InputStream body, byte[] buffer, HttpURLConnection connection) {
    try {
      return body.read(buffer);
    } catch (IOException | RuntimeException e) {
      connection.disconnect();
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new java.io.UncheckedIOException("reading what to store failed", (IOException) e);
    }
  }

  /** The Host header the HTTP client sends: the port only when it is not the scheme's default. */
  private static String hostHeader(URI uri) {
    int port = uri.getPort();
    boolean defaultPort = port == -1 || port == 80 && "http".equals(uri.getScheme()) || port == 443 && "https".equals(uri.getScheme());
    return defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
  }

  private URI uri(String object) {
    String path = "/" + encodePath(object);
    if (virtualHosted) {
      return URI.create(endpoint.getScheme() + "://" + bucket + "." + endpoint.getRawAuthority() + path);
    }
    return URI.create(endpoint.getScheme() + "://" + endpoint.getRawAuthority() + "/" + encodePath(bucket) + path);
  }

  /** AWS Signature Version 4 over the method, path, the signed headers and an unsigned payload. */
  private String authorization(URI uri, Map<String, String> signed, String amzDate, Credentials keys) {
    String day = amzDate.substring(0, 8);
    StringBuilder headers = new StringBuilder();
    signed.forEach((name, value) -> headers.append(name).append(':').append(value.trim()).append('\n'));
    String names = String.join(";", signed.keySet());
    String canonical = "PUT\n" + uri.getRawPath() + "\n\n" + headers + "\n" + names + "\n" + UNSIGNED;
    String scope = day + "/" + region + "/s3/aws4_request";
    String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
    byte[] key = hmac(hmac(hmac(hmac(("AWS4" + keys.secretKey()).getBytes(StandardCharsets.UTF_8), day), region), "s3"), "aws4_request");
    return "AWS4-HMAC-SHA256 Credential=" + keys.accessKey() + "/" + scope + ", SignedHeaders=" + names + ", Signature="
        + hex(hmac(key, toSign));
  }

  /** S3's URI encoding: every byte but the unreserved characters and '/' as %XX. */
  static String encodePath(String path) {
    StringBuilder out = new StringBuilder();
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'
          || c == '~' || c == '/') {
        out.append(c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
            .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
      }
    }
    return out.toString();
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static String first(Pattern pattern, String body) {
    Matcher m = pattern.matcher(body == null ? "" : body);
    return m.find() ? m.group(1) : null;
  }
}
