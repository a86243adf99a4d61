package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.config.ReplicationConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.retry.RetryPolicy;
import io.minio.MinioClient;
import io.minio.StatObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link S3BlobStore} against a real S3 server in this JVM. */
@SuppressWarnings("try") // MinioClient.close() may throw InterruptedException
class S3BlobStoreIT extends BlobStoreConformance {
  static final String ACCESS_KEY = "lifeboat";
  static final String SECRET_KEY = "lifeboat-secret";
  static final String BUCKET = "lifeboat-primary";
  private static final int LIST_PAGE = 100;

  @TempDir static Path dataDir;
  static EmbeddedS3 s3;
  static MinioClient client;

  private final List<S3BlobStore> opened = new ArrayList<>();

  @BeforeAll
  static void startS3() {
    s3 = EmbeddedS3.start("blobs", dataDir.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY, List.of(BUCKET));
    client = s3.newClient();
  }

  @AfterAll
  static void stopS3() throws Exception {
    client.close();
    s3.close();
  }

  @AfterEach
  void closeStores() {
    opened.forEach(S3BlobStore::close);
  }

  /**
   * Parts of the smallest size S3 allows, so {@link #LARGE} blobs are uploaded in two parts, and
   * listing pages of 100 keys, so a listing of a few hundred pages through.
   */
  @Override
  protected BlobStore store() {
    return new S3BlobStore("primary", client, BUCKET, uniquePrefix(), S3BlobStore.MIN_PART_SIZE, LIST_PAGE);
  }

  @Override
  protected int listPageSize() {
    return LIST_PAGE;
  }

  static String uniquePrefix() {
    return "it/" + UUID.randomUUID();
  }

  private S3BlobStore fromConfig(EmbeddedS3 server, String bucket, String secretKey) {
    S3BlobStore store = new S3BlobStore(
        new StoreConfig("primary", server.endpoint(), bucket, uniquePrefix(), ACCESS_KEY, secretKey, null));
    opened.add(store);
    return store;
  }

  @Test
  void aStoreWithObjectLockAsksForRetentionOnEveryPut() throws Exception {
    try (MinioClient traced = s3.newClient()) {
      S3BlobStore store = new S3BlobStore("offsite", traced, BUCKET, uniquePrefix(), S3BlobStore.MIN_PART_SIZE, 1000,
          new ReplicationConfig.ObjectLock(ReplicationConfig.LockMode.COMPLIANCE, 30));
      ByteArrayOutputStream trace = new ByteArrayOutputStream();
      traced.traceOn(trace);

      Throwable failure = catchThrowable(() -> store.putIfAbsent("locked", new byte[] {1, 2, 3}));
      traced.traceOff();

      String requests = trace.toString(StandardCharsets.UTF_8);
      assertThat(requests).containsIgnoringCase("x-amz-object-lock-mode: COMPLIANCE")
          .containsIgnoringCase("x-amz-object-lock-retain-until-date: ");
      // The embedded S3 server does not implement Object Lock (501 NotImplemented): no retry can help
      assertThat(failure).isInstanceOf(PermanentFailure.class).hasMessageContaining("does not implement S3 Object Lock");
    }
  }

  @Test
  void putNewStreamsOneRequestThatTheStoreChecksAgainstTheSha256AndNeverReplacesAnObject() throws Exception {
    S3BlobStore store = fromConfig(s3, BUCKET, SECRET_KEY);
    byte[] data = random(21, 9 << 20);
    byte[] other = random(22, 9 << 20);
    String key = "manifests/etcd/a%2Fb c/20260101T000000Z-1";

    BlobStore.Written written = store.putNew(key, () -> new ByteArrayInputStream(data), data.length, sha256(data));
    BlobStore.Written again = store.putNew(key, () -> new ByteArrayInputStream(other), other.length, sha256(other));
    Throwable refused = catchThrowable(() -> store.putNew("damaged", () -> new ByteArrayInputStream(other), other.length,
        sha256(data)));

    assertThat(written).isEqualTo(new BlobStore.Written(true, true));
    assertThat(again.written()).isFalse();
    assertThat(store.get(key)).hasValueSatisfying(read -> assertThat(read).isEqualTo(data));
    assertThat(refused).as("bytes that do not hash to the given SHA-256 are refused by the store")
        .isInstanceOf(ChecksumMismatchException.class).hasMessageContaining("damaged").hasMessageContaining(sha256(data));
    assertThat(store.stat("damaged")).isEmpty();
    assertThat(catchThrowable(() -> fromConfig(s3, BUCKET, "wrong-secret").putNew("x", () -> new ByteArrayInputStream(data),
        data.length, sha256(data)))).isInstanceOf(PermanentFailure.class).hasMessageContaining("SignatureDoesNotMatch");
  }

  /**
   * S3Proxy honours {@code If-None-Match: *} on a PUT: of conditional PUTs of one key sent at once (no
   * HEAD before them), exactly one writes and the others are refused, so the object is the winner's
   * and no later writer replaces it. {@link S3BlobStore#putIfAbsent} of small blobs relies on this.
   */
  @Test
  void ofConditionalPutsOfOneKeySentAtOnceExactlyOneWritesAndItsObjectStays() throws Exception {
    int writers = 8;
    String prefix = uniquePrefix();
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(writers);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers);
    try {
      List<java.util.concurrent.Future<Boolean>> puts = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        S3BlobStore store = new S3BlobStore("primary", client, BUCKET, prefix);
        byte[] data = random(30 + i, 1024);
        puts.add(pool.submit(() -> {
          start.await(1, java.util.concurrent.TimeUnit.MINUTES);
          return store.putUnlessExists("config", data);
        }));
      }
      List<Integer> won = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        if (puts.get(i).get(1, java.util.concurrent.TimeUnit.MINUTES)) {
          won.add(i);
        }
      }
      assertThat(won).as("conditional PUTs that wrote").hasSize(1);
      assertThat(new S3BlobStore("primary", client, BUCKET, prefix).get("config"))
          .hasValueSatisfying(read -> assertThat(read).isEqualTo(random(30 + won.get(0), 1024)));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void putNewWithObjectLockAsksForRetentionAndFailsPermanentlyWhereTheStoreHasNone() {
    S3BlobStore store = new S3BlobStore(new StoreConfig("offsite", s3.endpoint(), BUCKET, uniquePrefix(), ACCESS_KEY, SECRET_KEY,
        null, new ReplicationConfig(4, 0, java.util.Optional.of(new ReplicationConfig.ObjectLock(ReplicationConfig.LockMode.GOVERNANCE, 7)))));
    opened.add(store);
    byte[] data = random(23, 1000);

    assertThat(catchThrowable(() -> store.putNew("locked", () -> new ByteArrayInputStream(data), data.length, sha256(data))))
        .isInstanceOf(PermanentFailure.class).hasMessageContaining("does not implement S3 Object Lock");
  }

  @Test
  void largeStreamsAreUploadedInParts() throws Exception {
    String prefix = uniquePrefix();
    S3BlobStore store = new S3BlobStore("primary", client, BUCKET, prefix, S3BlobStore.MIN_PART_SIZE, 1000);
    byte[] data = random(5, LARGE);
    store.putIfAbsent("large", new ByteArrayInputStream(data), data.length);

    String etag = client.statObject(StatObjectArgs.builder().bucket(BUCKET).object(prefix + "/large").build()).etag();
    assertThat(etag.replace("\"", "")).as("ETag of a multipart upload").endsWith("-2");
    assertThat(store.get("large")).hasValueSatisfying(read -> assertThat(read).isEqualTo(data));
  }

  @Test
  void listingFetchesOnePageAtATimeAndOnlyAsFarAsTheCallerReads() throws Exception {
    try (MinioClient traced = s3.newClient()) {
      S3BlobStore store = new S3BlobStore("primary", traced, BUCKET, uniquePrefix(), S3BlobStore.MIN_PART_SIZE, 10);
      for (int i = 0; i < 25; i++) {
        store.putIfAbsent(String.format("k/%02d", i), new byte[] {1});
      }
      ByteArrayOutputStream trace = new ByteArrayOutputStream();
      traced.traceOn(trace);

      List<String> keys = new ArrayList<>();
      store.list("k/", info -> keys.add(info.key()));
      assertThat(keys).hasSize(25);
      assertThat(listRequests(trace)).as("listing requests for 25 keys, 10 a page").isEqualTo(3);

      trace.reset();
      RuntimeException enough = new IllegalStateException("enough");
      assertThatThrownBy(() -> store.list("k/", info -> {
        throw enough;
      })).as("the consumer's own failure, unclassified").isSameAs(enough);
      assertThat(listRequests(trace)).as("listing requests when the caller stops at the first key").isEqualTo(1);
      traced.traceOff();
    }
  }

  private static long listRequests(ByteArrayOutputStream trace) {
    return trace.toString(StandardCharsets.UTF_8).lines()
        .filter(line -> line.startsWith("GET /" + BUCKET + "?") && line.contains("max-keys=10"))
        .count();
  }

  @Test
  void partsGrowSoThatAnyObjectFitsInTenThousandParts() {
    S3BlobStore store = new S3BlobStore("primary", client, BUCKET, "p", S3BlobStore.DEFAULT_PART_SIZE, 1000);
    assertThat(store.partSizeFor(LARGE)).isEqualTo(S3BlobStore.DEFAULT_PART_SIZE);
    long terabyte = 1L << 40;
    assertThat(store.partSizeFor(terabyte)).isGreaterThanOrEqualTo(terabyte / 10_000).isLessThan(terabyte / 9_999 + (1 << 20));
  }

  @Test
  void storesWhosePrefixesShareABeginningSeeOnlyTheirOwnBlobs() {
    String root = uniquePrefix();
    S3BlobStore a = new S3BlobStore("a", client, BUCKET, root + "/a", S3BlobStore.MIN_PART_SIZE, 1000);
    S3BlobStore ab = new S3BlobStore("ab", client, BUCKET, root + "/ab", S3BlobStore.MIN_PART_SIZE, 1000);
    a.putIfAbsent("x", bytes("a"));
    ab.putIfAbsent("x", bytes("ab"));

    List<String> listed = new ArrayList<>();
    a.list("", info -> listed.add(info.key()));
    assertThat(listed).containsExactly("x");
    assertThat(a.get("x")).contains(bytes("a"));
  }

  @Test
  void describeNamesTheBucketThePrefixTheEndpointAndTheStore() {
    S3BlobStore store = fromConfig(s3, BUCKET, SECRET_KEY);
    assertThat(store.describe())
        .startsWith("s3://" + BUCKET + "/it/")
        .contains(" at " + s3.endpoint())
        .endsWith("(store primary)");
    assertThat(store.name()).isEqualTo("primary");
  }

  @Test
  void aWrongSecretKeyFailsPermanentlyAtOnceNamingTheStoreAndTheS3Code() {
    S3BlobStore store = fromConfig(s3, BUCKET, "not-the-secret");
    List<Duration> waits = new ArrayList<>();
    BlobStore retrying = new RetryingBlobStore(store, new Retry(RetryPolicy.DEFAULT, Clock.systemUTC(), waits::add));

    for (Consumer<BlobStore> call : everyOperation()) {
      Throwable failure = catchThrowable(() -> call.accept(retrying));
      assertThat(failure).isInstanceOf(PermanentFailure.class)
          .hasMessageContaining(store.describe())
          .hasMessageContaining("manifests/m1")
          .hasMessageContaining("HTTP 403")
          .hasMessageMatching("(?s).*(SignatureDoesNotMatch|AccessDenied).*");
    }
    assertThat(waits).as("waits between retries").isEmpty();
  }

  @Test
  void aMissingBucketFailsPermanently() {
    S3BlobStore store = fromConfig(s3, "no-such-bucket", SECRET_KEY);
    assertThatThrownBy(() -> store.putIfAbsent("manifests/m1", bytes("x")))
        .isInstanceOf(PermanentFailure.class).hasMessageContaining("NoSuchBucket").hasMessageContaining("no-such-bucket");
    assertThatThrownBy(() -> store.get("manifests/m1"))
        .isInstanceOf(PermanentFailure.class).hasMessageContaining("NoSuchBucket");
    assertThatThrownBy(() -> store.list("", info -> {}))
        .isInstanceOf(PermanentFailure.class).hasMessageContaining("NoSuchBucket");
  }

  @Test
  void aStoppedServerFailsRetriablyAndTheRetriesGiveUpAtTheDeadline() {
    EmbeddedS3 doomed = EmbeddedS3.start("doomed", dataDir.resolve("doomed"), 0, ACCESS_KEY, SECRET_KEY, List.of(BUCKET));
    S3BlobStore store;
    try (doomed) {
      store = fromConfig(doomed, BUCKET, SECRET_KEY);
      assertThat(store.putIfAbsent("manifests/m1", bytes("before"))).isTrue();
    }
    for (Consumer<BlobStore> call : everyOperation()) {
      assertThatThrownBy(() -> call.accept(store)).isInstanceOf(RetriableFailure.class)
          .hasMessageContaining(store.describe())
          .hasMessageContaining("manifests/m1");
    }

    RetryPolicy briefly = new RetryPolicy(Duration.ofMillis(10), Duration.ofMillis(50), 2.0, 0.0, Duration.ofMillis(300));
    BlobStore retrying = new RetryingBlobStore(store, new Retry(briefly, Clock.systemUTC(), d -> Thread.sleep(d.toMillis())));
    assertThatThrownBy(() -> retrying.get("manifests/m1")).isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("still failing after")
        .hasMessageContaining("get manifests/m1 in " + store.describe());
  }

  /** One call of each operation on key {@code manifests/m1} (or a listing of {@code manifests/}). */
  private static List<Consumer<BlobStore>> everyOperation() {
    return List.of(
        s -> s.putIfAbsent("manifests/m1", bytes("x")),
        s -> s.putIfAbsent("manifests/m1", new ByteArrayInputStream(bytes("x")), 1),
        s -> s.get("manifests/m1"),
        s -> s.open("manifests/m1"),
        s -> s.stat("manifests/m1"),
        s -> s.list("manifests/m1", info -> {}),
        s -> s.delete("manifests/m1"));
  }
}
