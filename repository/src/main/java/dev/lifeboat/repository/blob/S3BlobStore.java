package dev.lifeboat.repository.blob;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.ReplicationConfig.ObjectLock;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Checksum;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.messages.Item;
import io.minio.messages.Retention;
import io.minio.messages.RetentionMode;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link BlobStore} in an S3 bucket, through the MinIO client. Blob {@code k} is the object
 * {@code prefix/k}.
 *
 * <p>{@link #putIfAbsent} asks whether the object exists, then uploads it; a small blob given as bytes
 * goes in one PUT with {@code If-None-Match: *}, so of writers racing past the check one writes and the
 * others are answered false. Streams and large blobs are uploaded without the condition: two writers
 * racing past the check both upload, which is harmless where keys are content-addressed or unique
 * (both write the same bytes), and S3 replaces an object atomically, so no reader ever sees a partial
 * or mixed blob.
 *
 * <p>Every failure leaves as a {@link dev.lifeboat.retry.RetriableFailure} or a
 * {@link dev.lifeboat.retry.PermanentFailure} (see {@link S3Failures}); a missing object is an empty
 * answer. This class does not retry: wrap it in a {@link RetryingBlobStore}. Thread-safe.
 *
 * <p>Why this class is longer than most: it is the one place that maps the BlobStore contract onto
 * S3 (conditional and multipart puts, ranged gets, listing, and the classification of every S3 error
 * as retriable or permanent); the signed streaming PUT lives apart in {@link S3SignedPut}.
 */
public final class S3BlobStore implements BlobStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);

  /** S3's smallest allowed part (except the last). */
  public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
  /**
   * Part size of streaming uploads. The client buffers each part in memory, so this and
   * {@link #PARALLEL_PARTS} bound an upload's memory (32 MiB by default); 16 MiB parts take objects up
   * to 160 GiB within S3's 10,000 parts, and larger objects get larger parts.
   */
  public static final long DEFAULT_PART_SIZE = 16L * 1024 * 1024;
  /**
   * Parts of one upload sent at once. Two take a 256 MiB upload to S3Proxy on loopback from about 80
   * to about 120 MB/s on a 2-core machine; four gain nothing more.
   */
  public static final int PARALLEL_PARTS = 2;
  private static final int MAX_PARTS = 10_000;
  /** The largest object S3 takes in one PUT. */
  static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;
  /** Listing page size: S3's maximum. */
  public static final int DEFAULT_LIST_PAGE = 1000;
  private static final long CONNECT_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(10);
  private static final long TRANSFER_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(60);

  private final String name;
  private final MinioClient client;
  private final boolean ownsClient;
  private final String bucket;
  private final String prefix;
  private final String base;
  private final String description;
  private final long partSize;
  private final int listPage;
  /** Retention put on every object written, or null. */
  private final ObjectLock objectLock;
  /** Streamed, checksummed PUTs for {@link #putNew}; null when this store does not know the credentials. */
  private final S3SignedPut signedPut;
  /**
   * The checksum sent with each upload: CRC32, which the JDK computes with hardware support. The
   * client's default, CRC32C, is computed one byte at a time and was the costliest part of an upload
   * in profiles.
   */
  private static final Checksum.Algorithm CHECKSUM = Checksum.Algorithm.CRC32;

  /**
   * A store over its own client, built from {@code config}; {@link #close()} closes the client. The
   * client does not retry by itself (retries belong to {@link RetryingBlobStore}), gives up connecting
   * after 10 s and waits up to 60 s for any read or write on the connection. It trusts the store's
   * {@code caFile} when one is configured, and signs every request with the keys given inline or read
   * from the key files (read again when they change).
   */
  public S3BlobStore(StoreConfig config) {
    this(config, S3Access.of(config, describe(config.bucket(), config.prefix(), config.endpoint(), config.name())));
  }

  private S3BlobStore(StoreConfig config, S3Access access) {
    this(config.name(), newClient(config, access), true, config.endpoint(), config.bucket(), config.prefix(), DEFAULT_PART_SIZE,
        DEFAULT_LIST_PAGE, config.replication().objectLock().orElse(null), config, access);
  }

  /** A store over the caller's client, which keeps its own retry and timeout settings and stays open. */
  public S3BlobStore(String name, MinioClient client, String bucket, String prefix) {
    this(name, client, bucket, prefix, DEFAULT_PART_SIZE, DEFAULT_LIST_PAGE);
  }

  /**
   * As {@link #S3BlobStore(String, MinioClient, String, String)}, with a streaming part size (at least
   * 5 MiB) and a listing page size (1 to 1000 keys per request).
   */
  public S3BlobStore(String name, MinioClient client, String bucket, String prefix, long partSize, int listPage) {
    this(name, client, false, null, bucket, prefix, partSize, listPage, null, null, null);
  }

  /**
   * As {@link #S3BlobStore(String, MinioClient, String, String, long, int)}, putting every object under
   * {@code objectLock}'s retention (null: none).
   */
  public S3BlobStore(String name, MinioClient client, String bucket, String prefix, long partSize, int listPage,
      ObjectLock objectLock) {
    this(name, client, false, null, bucket, prefix, partSize, listPage, objectLock, null, null);
  }

  private S3BlobStore(String name, MinioClient client, boolean ownsClient, String endpoint, String bucket,
      String prefix, long partSize, int listPage, ObjectLock objectLock, StoreConfig config, S3Access access) {
    this.objectLock = objectLock;
    this.name = Objects.requireNonNull(name, "name");
    this.client = Objects.requireNonNull(client, "client");
    this.ownsClient = ownsClient;
    this.bucket = Objects.requireNonNull(bucket, "bucket");
    this.prefix = prefix == null ? "" : prefix;
    if (this.prefix.startsWith("/") || this.prefix.endsWith("/")) {
      throw new IllegalArgumentException("store " + name + ": prefix must not start or end with '/', was " + prefix);
    }
    if (partSize < MIN_PART_SIZE) {
      throw new IllegalArgumentException("store " + name + ": part size must be at least 5 MiB, was " + partSize);
    }
    if (listPage < 1 || listPage > 1000) {
      throw new IllegalArgumentException("store " + name + ": listing page size must be 1 to 1000, was " + listPage);
    }
    this.partSize = partSize;
    this.listPage = listPage;
    this.base = this.prefix.isEmpty() ? "" : this.prefix + "/";
    this.description = describe(bucket, this.prefix, endpoint, name);
    this.signedPut = config == null ? null : new S3SignedPut(config.endpoint(), config.region(), bucket,
        access.credentials(), access.sockets(), objectLock, description, java.time.Clock.systemUTC());
  }

  private static String describe(String bucket, String prefix, String endpoint, String name) {
    return "s3://" + bucket + "/" + (prefix == null ? "" : prefix) + (endpoint == null ? "" : " at " + endpoint)
        + " (store " + name + ")";
  }

  private static MinioClient newClient(StoreConfig config, S3Access access) {
    MinioClient.Builder builder =
        MinioClient.builder().endpoint(config.endpoint()).credentialsProvider(access.credentials());
    if (access.sockets() != null) {
      // the client's own defaults, trusting the store's CA instead of the JDK's
      builder.httpClient(io.minio.Http.newDefaultClient().newBuilder().sslSocketFactory(access.sockets(), access.trust())
          .build(), true);
    }
    if (config.region() != null && !config.region().isBlank()) {
      builder.region(config.region());
    }
    MinioClient client = builder.build();
    client.setRetry(Set.of(), 0L, 1); // one attempt per request
    client.setTimeout(CONNECT_TIMEOUT_MS, TRANSFER_TIMEOUT_MS, TRANSFER_TIMEOUT_MS);
    return client;
  }

  /** The store's name, as configured: {@code primary}, {@code offsite-1}. */
  public String name() {
    return name;
  }

  /**
   * Asks whether the object exists (HEAD), and if not sends it ({@link #putUnlessExists}): a blob under
   * 5 MiB in one PUT with {@code If-None-Match: *}, so that of writers racing past the check exactly
   * one writes and the others are answered false. Larger blobs are content-addressed (packs, index
   * files) and go without the condition, since the client may upload them in parts.
   */
  @Override
  public boolean putIfAbsent(String key, byte[] data) {
    Objects.requireNonNull(data, "data");
    if (stat(key).isPresent()) {
      return false;
    }
    return putUnlessExists(key, data);
  }

  /**
   * The PUT of {@link #putIfAbsent(String, byte[])}, without the HEAD before it. A store that honours
   * {@code If-None-Match: *} (S3 since 2024, MinIO, S3Proxy 4.1) refuses it with 412 when the object
   * exists, answered here with false; a store that ignores the condition replaces the object, and
   * callers for whom that matters (a repository's config, the garbage collection lock) settle the race
   * with {@link SettledPut}.
   */
  boolean putUnlessExists(String key, byte[] data) {
    PutObjectArgs.Builder put = PutObjectArgs.builder().bucket(bucket).object(object(key)).data(data, data.length)
        .checksum(CHECKSUM).parallelUploads(PARALLEL_PARTS);
    if (data.length < MIN_PART_SIZE) {
      put.headers(java.util.Map.of("If-None-Match", "*")); // one PUT: the condition applies to it
    }
    try {
      client.putObject(locked(put).build());
      return true;
    } catch (Exception e) {
      if ("PreconditionFailed".equals(S3Failures.errorCode(e))) {
        return false;
      }
      throw putFailure(key, e);
    }
  }

  @Override
  public boolean putIfAbsent(String key, InputStream data, long length) {
    Objects.requireNonNull(data, "data");
    if (length < 0) {
      throw new IllegalArgumentException("length of " + key + " must be known and not negative, was " + length);
    }
    if (stat(key).isPresent()) {
      return false;
    }
    try {
      client.putObject(locked(PutObjectArgs.builder().bucket(bucket).object(object(key)).checksum(CHECKSUM)
          .stream(data, length, partSizeFor(length)).parallelUploads(PARALLEL_PARTS)).build());
      return true;
    } catch (Exception e) {
      throw putFailure(key, e);
    }
  }

  private RuntimeException putFailure(String key, Exception e) {
    if (objectLock != null && "NotImplemented".equals(S3Failures.errorCode(e))) {
      return new dev.lifeboat.retry.PermanentFailure("put " + key + " in " + description + ": the store does not implement"
          + " S3 Object Lock, which this store's objectLockMode asks for (" + e.getMessage() + ")", e);
    }
    return S3Failures.classify("put", key, description, e);
  }

  /**
   * Adds the store's Object Lock retention, if it has one: the object cannot be deleted or overwritten
   * until {@code days} after this upload (compliance: by nobody; governance: only with the permission to
   * bypass it).
   */
  private PutObjectArgs.Builder locked(PutObjectArgs.Builder put) {
    if (objectLock == null) {
      return put;
    }
    RetentionMode mode = switch (objectLock.mode()) {
      case GOVERNANCE -> RetentionMode.GOVERNANCE;
      case COMPLIANCE -> RetentionMode.COMPLIANCE;
    };
    return put.retention(new Retention(mode, ZonedDateTime.now(ZoneOffset.UTC).plusDays(objectLock.days())));
  }

  /**
   * One streamed PUT ({@link S3SignedPut}): the object's SHA-256 goes with it for the store to check,
   * and {@code If-None-Match: *} keeps an existing object (412 answers {@code written=false}; a store
   * that ignores the condition replaces the object with the same bytes, since keys are
   * content-addressed or unique). Objects larger than S3's single PUT allows, and stores built over a
   * caller's client (whose credentials this store does not know), go through {@link #putIfAbsent}.
   */
  @Override
  public Written putNew(String key, StreamSource source, long length, String sha256Hex) {
    if (length < 0) {
      throw new IllegalArgumentException("length of " + key + " must be known and not negative, was " + length);
    }
    if (signedPut == null || length > MAX_SINGLE_PUT || sha256Hex == null) {
      return new Written(putIfAbsent(key, source, length), false);
    }
    InputStream data;
    try {
      data = source.open();
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
      throw new dev.lifeboat.retry.PermanentFailure("cannot open the source of " + key + " to store it in " + description + ": " + e, e);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot open the source of " + key + " to store it in " + description, e);
    }
    try (InputStream in = data) {
      return signedPut.put(key, object(key), in, length, sha256Hex);
    } catch (S3SignedPut.SendFailure e) {
      // A store may answer before the body is sent and close the connection: 412 because the object
      // exists, or a refusal (credentials, bucket). Asking for the object tells which: it is there,
      // or the refusal comes back classified, or the connection itself failed.
      if (stat(key).isPresent()) {
        return new Written(false, false);
      }
      throw e;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot close the source of " + key, e);
    }
  }

  /** The configured part size, or larger if the object would otherwise need more than 10,000 parts. */
  long partSizeFor(long length) {
    long needed = (length + MAX_PARTS - 1) / MAX_PARTS;
    long mebibyte = 1024 * 1024;
    return Math.max(partSize, (needed + mebibyte - 1) / mebibyte * mebibyte);
  }

  @Override
  public Optional<byte[]> get(String key) {
    String object = object(key);
    try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(object).build())) {
      return Optional.of(in.readAllBytes());
    } catch (Exception e) {
      if (S3Failures.isNoSuchKey(e)) {
        return Optional.empty();
      }
      throw S3Failures.classify("get", key, description, e);
    }
  }

  @Override
  public Optional<byte[]> getRange(String key, long offset, int length) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("range of " + key + " must not be negative: offset " + offset + ", length " + length);
    }
    if (length == 0) {
      return stat(key).map(info -> new byte[0]);
    }
    String object = object(key);
    try (GetObjectResponse in = client.getObject(GetObjectArgs.builder().bucket(bucket).object(object)
        .offset(offset).length((long) length).build())) {
      return Optional.of(in.readAllBytes());
    } catch (Exception e) {
      if (S3Failures.isNoSuchKey(e)) {
        return Optional.empty();
      }
      if (S3Failures.isInvalidRange(e)) {
        return Optional.of(new byte[0]); // the blob ends before offset
      }
      throw S3Failures.classify("get_range", key, description, e);
    }
  }

  @Override
  public Optional<InputStream> open(String key) {
    String object = object(key);
    try {
      return Optional.of(client.getObject(GetObjectArgs.builder().bucket(bucket).object(object).build()));
    } catch (Exception e) {
      if (S3Failures.isNoSuchKey(e)) {
        return Optional.empty();
      }
      throw S3Failures.classify("open", key, description, e);
    }
  }

  @Override
  public Optional<BlobInfo> stat(String key) {
    String object = object(key);
    try {
      StatObjectResponse stat = client.statObject(StatObjectArgs.builder().bucket(bucket).object(object).build());
      return Optional.of(new BlobInfo(key, stat.size(), instant(stat.lastModified())));
    } catch (Exception e) {
      if (S3Failures.isNoSuchKey(e)) {
        return Optional.empty();
      }
      throw S3Failures.classify("stat", key, description, e);
    }
  }

  /**
   * Pages through the listing lazily, {@code listPage} keys per request, so memory stays bounded. S3
   * lists in UTF-8 byte order of the key; the prefix is common to all, so relative keys keep that order.
   * An exception thrown by {@code each} is the caller's and passes through unclassified.
   */
  @Override
  public void list(String prefix, Consumer<BlobInfo> each) {
    BlobKeys.requireValidPrefix(prefix);
    Iterator<Result<Item>> results;
    try {
      results = client.listObjects(ListObjectsArgs.builder().bucket(bucket).prefix(base + prefix)
          .recursive(true).maxKeys(listPage).build()).iterator();
    } catch (RuntimeException e) {
      throw S3Failures.classify("list", prefix + "*", description, e);
    }
    while (true) {
      Item item;
      try {
        if (!results.hasNext()) {
          return;
        }
        item = results.next().get();
      } catch (Exception e) {
        throw S3Failures.classify("list", prefix + "*", description, e);
      }
      if (item.isDir() || !item.objectName().startsWith(base)) {
        continue;
      }
      each.accept(new BlobInfo(item.objectName().substring(base.length()), item.size(), instant(item.lastModified())));
    }
  }

  /**
   * The current version's retention (GetObjectRetention): one request. A bucket without Object Lock, an
   * object without retention, a missing object and a store that does not implement Object Lock all
   * answer with an error code that means "not locked"; any other failure is classified as usual, so a
   * store that cannot be asked is never taken for one without locks.
   */
  @Override
  public Optional<Instant> lockedUntil(String key, Instant now) {
    String object = object(key);
    try {
      io.minio.messages.Retention retention =
          client.getObjectRetention(io.minio.GetObjectRetentionArgs.builder().bucket(bucket).object(object).build());
      Instant until = retention == null ? null : instant(retention.retainUntilDate());
      return until != null && until.isAfter(now) ? Optional.of(until) : Optional.empty();
    } catch (Exception e) {
      if (S3Failures.isNoSuchKey(e) || NOT_LOCKED.contains(String.valueOf(S3Failures.errorCode(e)))) {
        return Optional.empty();
      }
      throw S3Failures.classify("locked_until", key, description, e);
    }
  }

  /**
   * Answers to GetObjectRetention that mean "no retention": the object has none (AWS, Ceph), the bucket
   * has no Object Lock (AWS: InvalidRequest), the store does not implement it (S3Proxy), the current
   * version is a delete marker (MethodNotAllowed).
   */
  private static final Set<String> NOT_LOCKED = Set.of("NoSuchObjectLockConfiguration", "ObjectLockConfigurationNotFoundError",
      "InvalidRequest", "NotImplemented", "MethodNotAllowed");

  /** S3 answers a delete of a missing object with success, so this is idempotent as it is. */
  @Override
  public void delete(String key) {
    String object = object(key);
    try {
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(object).build());
    } catch (Exception e) {
      if (S3Failures.isNoSuchKey(e)) {
        return;
      }
      throw S3Failures.classify("delete", key, description, e);
    }
  }

  @Override
  public String describe() {
    return description;
  }

  /** Closes the client if this store built it; a store over the caller's client leaves it open. */
  @Override
  public void close() {
    if (!ownsClient) {
      return;
    }
    try {
      client.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("closing the client of {} failed", description, e);
    }
  }

  @Override
  public String toString() {
    return "S3BlobStore[" + description + "]";
  }

  private String object(String key) {
    return base + BlobKeys.requireValid(key);
  }

  private static Instant instant(ZonedDateTime time) {
    return time == null ? null : time.toInstant();
  }
}
