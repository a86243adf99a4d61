package dev.lifeboat.embedded;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
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
  private boolean closed;

  private EmbeddedS3(
      String name,
      S3Proxy proxy,
      String endpoint,
      String accessKey,
      String secretKey,
      List<String> buckets) {
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
    long began = System.nanoTime();
    Path baseDir = dataDir.resolve("blobs").toAbsolutePath();
    try {
      Files.createDirectories(baseDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create object store directory " + baseDir, e);
    }
    int port = Ports.preferredOrFree("S3 " + name, preferredPort);
    String endpoint = "http://127.0.0.1:" + port;

    Properties blobStoreProperties = new Properties();
    blobStoreProperties.setProperty("jclouds.filesystem.basedir", baseDir.toString());
    S3Proxy proxy =
        S3Proxy.builder()
            .blobStore(BlobStores.create(PROVIDER, blobStoreProperties))
            .endpoint(URI.create(endpoint))
            .awsAuthentication(AuthenticationType.AWS_V4, accessKey, secretKey)
            .build();
    EmbeddedS3 s3 =
        new EmbeddedS3(name, proxy, endpoint, accessKey, secretKey, List.copyOf(buckets));
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

  /** The store's URL, e.g. {@code http://127.0.0.1:9000}; use path-style addressing. */
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

  /** A new client for this store with its credentials; the caller closes it. */
  public MinioClient newClient() {
    return MinioClient.builder().endpoint(endpoint).credentials(accessKey, secretKey).build();
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
