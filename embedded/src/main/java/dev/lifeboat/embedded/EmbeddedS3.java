package dev.lifeboat.embedded;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import dev.lifeboat.embedded.tls.LocalPki;
import io.minio.MinioClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An S3-compatible object store in this JVM: S3Proxy over its {@code filesystem-nio2} provider,
 * listening on 127.0.0.1 only and requiring AWS signature version 4 with one key pair.
 *
 * <p>Objects live under {@code <dataDir>/blobs}, one directory per bucket, so they survive a
 * restart. The buckets named at start are created if missing.
 *
 * <p>Plain HTTP by default; {@link #startHttps} serves HTTPS alone, with the server certificate of a
 * {@link LocalPki}, for clients that must trust a private CA.
 */
public final class EmbeddedS3 implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);
  private static final String PROVIDER = "filesystem-nio2";

  private final String name;
  private final S3Proxy proxy;
  private final String endpoint;
  private final String accessKey;
  private final String secretKey;
  private final List<String> buckets;
  /** The CA the HTTPS endpoint's certificate comes from; null for plain HTTP. */
  private final LocalPki tls;
  private boolean closed;

  private EmbeddedS3(
      String name,
      S3Proxy proxy,
      String endpoint,
      String accessKey,
      String secretKey,
      List<String> buckets,
      LocalPki tls) {
    this.tls = tls;
    this.name = name;
    this.proxy = proxy;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.buckets = buckets;
  }

  /**
   * Starts the store and creates the buckets that do not exist yet.
   *
   * @param name what this store is for (e.g. {@code primary}), used in logs
   * @param dataDir a directory this store owns; created if missing, kept across runs
   * @param preferredPort the port to use if it is free; 0 for any free port
   * @param accessKey the only access key the store accepts
   * @param secretKey the secret that goes with it
   * @param buckets the buckets to create if missing
   */
  public static EmbeddedS3 start(
      String name,
      Path dataDir,
      int preferredPort,
      String accessKey,
      String secretKey,
      List<String> buckets) {
    return start(name, dataDir, preferredPort, accessKey, secretKey, buckets, null);
  }

  /**
   * As {@link #start(String, Path, int, String, String, List)}, serving HTTPS only, at {@code
   * https://127.0.0.1:PORT}, with {@code pki}'s server certificate (S3Proxy's secure endpoint, reading
   * the certificate's PKCS#12 store). Clients must trust {@link LocalPki#caCertificate()}.
   */
  public static EmbeddedS3 startHttps(
      String name,
      Path dataDir,
      int preferredPort,
      String accessKey,
      String secretKey,
      List<String> buckets,
      LocalPki pki) {
    return start(name, dataDir, preferredPort, accessKey, secretKey, buckets, java.util.Objects.requireNonNull(pki, "pki"));
  }

  private static EmbeddedS3 start(
      String name,
      Path dataDir,
      int preferredPort,
      String accessKey,
      String secretKey,
      List<String> buckets,
      LocalPki tls) {
    long began = System.nanoTime();
    Path baseDir = dataDir.resolve("blobs").toAbsolutePath();
    try {
      Files.createDirectories(baseDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create object store directory " + baseDir, e);
    }
    int port = Ports.preferredOrFree("S3 " + name, preferredPort);
    String endpoint = (tls == null ? "http" : "https") + "://127.0.0.1:" + port;

    Properties blobStoreProperties = new Properties();
    blobStoreProperties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
    S3Proxy.Builder builder =
        S3Proxy.builder()
            .blobStore(BlobStores.create(PROVIDER, blobStoreProperties))
            .awsAuthentication(AuthenticationType.AWS_V4, accessKey, secretKey);
    if (tls == null) {
      builder.endpoint(URI.create(endpoint));
    } else {
      builder.secureEndpoint(URI.create(endpoint)).keyStore(tls.server().keyStore().toString(), tls.password());
    }
    S3Proxy proxy = builder.build();
    EmbeddedS3 s3 =
        new EmbeddedS3(name, proxy, endpoint, accessKey, secretKey, List.copyOf(buckets), tls);
    try {
      proxy.start();
      s3.createBuckets();
    } catch (Exception e) {
      s3.close();
      throw new IllegalStateException("cannot start S3 store " + name + " on " + endpoint, e);
    }
    log.info(
        "S3 store {} started on {} in {} ms (buckets {}, data {})",
        name,
        endpoint,
        Lifecycle.millisSince(began),
        s3.buckets,
        baseDir);
    return s3;
  }

  /** What this store is for, as given at start. */
  public String name() {
    return name;
  }

  /** The store's URL, e.g. {@code http://127.0.0.1:9000} (https:// when started with {@link #startHttps}); use path-style addressing. */
  public String endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** The buckets created (or found) at start. */
  public List<String> buckets() {
    return buckets;
  }

  /** A new client for this store with its credentials (trusting its CA over HTTPS); the caller closes it. */
  public MinioClient newClient() {
    MinioClient.Builder builder = MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey);
    if (tls != null) {
      X509TrustManager trust = trustManager(tls);
      SSLContext context = tls.trustingContext();
      builder.httpClient(new OkHttpClient.Builder().sslSocketFactory(context.getSocketFactory(), trust).build(), true);
    }
    return builder.build();
  }

  private static X509TrustManager trustManager(LocalPki pki) {
    try (var in = Files.newInputStream(pki.trustStore())) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, pki.password().toCharArray());
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return (X509TrustManager) factory.getTrustManagers()[0];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot trust the CA of " + pki.caCertificate() + ": " + e.getMessage(), e);
    }
  }

  /** Stops the store; its data stays on disk. Calling it again does nothing. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    long began = System.nanoTime();
    try {
      proxy.stop();
    } catch (Exception e) {
      log.warn("S3 store {} on {} did not stop cleanly", name, endpoint, e);
    }
    log.info(
        "S3 store {} on {} stopped in {} ms",
        name,
        endpoint,
        Lifecycle.millisSince(began));
  }

  @SuppressWarnings("try") // MinioClient.close() may throw InterruptedException
  private void createBuckets() throws Exception {
    try (MinioClient client = newClient()) {
      for (String bucket : buckets) {
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
          client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
          log.debug("S3 store {}: created bucket {}", name, bucket);
        }
      }
    }
  }
}
