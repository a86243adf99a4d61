package dev.lifeboat.repository.blob;

import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.repository.blob.FaultInjectingBlobStore.Fault;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.retry.RetryPolicy;
import io.minio.MinioClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A retrying store over S3 where every third call fails before it reaches the server: the retries
 * hide every failure, and the store still behaves as the contract says.
 */
@SuppressWarnings("try") // MinioClient.close() may throw InterruptedException
class RetryingBlobStoreIT extends BlobStoreConformance {
  private static final RetryPolicy QUICK = new RetryPolicy(Duration.ofMillis(1), Duration.ofMillis(5), 2.0, 0.2, Duration.ofSeconds(30));
  private static final int LIST_PAGE = 50;

  @TempDir static Path dataDir;
  static EmbeddedS3 s3;
  static MinioClient client;

  @BeforeAll
  static void startS3() {
    s3 = EmbeddedS3.start("blobs", dataDir, 0, S3BlobStoreIT.ACCESS_KEY, S3BlobStoreIT.SECRET_KEY, List.of(S3BlobStoreIT.BUCKET));
    client = s3.newClient();
  }

  @AfterAll
  static void stopS3() throws Exception {
    client.close();
    s3.close();
  }

  @Override
  protected BlobStore store() {
    S3BlobStore s3Store = new S3BlobStore("primary", client, S3BlobStoreIT.BUCKET, S3BlobStoreIT.uniquePrefix(),
        S3BlobStore.MIN_PART_SIZE, LIST_PAGE);
    BlobStore flaky = new FaultInjectingBlobStore(s3Store).failEvery(3, Fault.RETRIABLE);
    return new RetryingBlobStore(flaky, new Retry(QUICK, Clock.systemUTC(), d -> Thread.sleep(d.toMillis())));
  }

  @Override
  protected int listPageSize() {
    return LIST_PAGE;
  }
}
