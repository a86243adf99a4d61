package dev.lifeboat.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.ObjectWriteResponse;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@SuppressWarnings("try") // MinioClient.close() may throw InterruptedException
class EmbeddedS3IT {

  private static final String ACCESS_KEY = "lifeboat";
  private static final String SECRET_KEY = "lifeboat-secret";
  private static final List<String> BUCKETS = List.of("lifeboat-primary", "lifeboat-replica");
  private static final int PART_SIZE = 5 * 1024 * 1024;

  @TempDir Path dataDir;

  @Test
  void objectsIncludingMultipartOnesSurviveARestartOnTheSameDataDir() throws Exception {
    byte[] small = "manifest of snapshot 1".getBytes(StandardCharsets.UTF_8);
    byte[] large = new byte[PART_SIZE + 1024 * 1024];
    new Random(42).nextBytes(large);

    EmbeddedS3 first = start();
    try (EmbeddedS3 s3 = first;
        MinioClient client = s3.newClient()) {
      assertThat(s3.buckets()).containsExactlyElementsOf(BUCKETS);
      for (String bucket : BUCKETS) {
        assertThat(client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())).isTrue();
      }
      put(client, "lifeboat-primary", "manifests/1.json", small);
      ObjectWriteResponse multipart =
          client.putObject(
              PutObjectArgs.builder()
                  .bucket("lifeboat-replica")
                  .object("chunks/large")
                  .stream(new ByteArrayInputStream(large), (long) large.length, (long) PART_SIZE)
                  .build());
      assertThat(multipart.etag().replace("\"", ""))
          .as("ETag of a two-part upload")
          .endsWith("-2");

      assertThat(get(client, "lifeboat-primary", "manifests/1.json")).isEqualTo(small);
      assertThat(get(client, "lifeboat-replica", "chunks/large")).isEqualTo(large);
    }
    assertThat(Ports.isFree(URI.create(first.endpoint()).getPort())).isTrue();

    try (EmbeddedS3 s3 = start();
        MinioClient client = s3.newClient()) {
      assertThat(get(client, "lifeboat-primary", "manifests/1.json")).isEqualTo(small);
      assertThat(get(client, "lifeboat-replica", "chunks/large")).isEqualTo(large);
    }
  }

  @Test
  void aWrongSecretKeyIsRejected() throws Exception {
    try (EmbeddedS3 s3 = start();
        MinioClient impostor =
            MinioClient.builder()
                .endpoint(s3.endpoint())
                .credentials(s3.accessKey(), "not-the-secret")
                .build()) {
      assertThat(s3.endpoint()).startsWith("http://127.0.0.1:");
      assertThat(s3.name()).isEqualTo("primary");

      assertThatThrownBy(
              () -> impostor.bucketExists(BucketExistsArgs.builder().bucket(BUCKETS.get(0)).build()))
          .isInstanceOf(ErrorResponseException.class);
      assertThatThrownBy(() -> put(impostor, BUCKETS.get(0), "x", new byte[] {1}))
          .isInstanceOf(ErrorResponseException.class)
          .satisfies(
              e ->
                  assertThat(((ErrorResponseException) e).errorResponse().code())
                      .isEqualTo("SignatureDoesNotMatch"));
    }
  }

  private EmbeddedS3 start() {
    return EmbeddedS3.start("primary", dataDir, 0, ACCESS_KEY, SECRET_KEY, BUCKETS);
  }

  private static void put(MinioClient client, String bucket, String object, byte[] data)
      throws Exception {
    client.putObject(
        PutObjectArgs.builder()
            .bucket(bucket)
            .object(object)
            .stream(new ByteArrayInputStream(data), (long) data.length, -1L)
            .build());
  }

  private static byte[] get(MinioClient client, String bucket, String object) throws Exception {
    try (GetObjectResponse in =
        client.getObject(GetObjectArgs.builder().bucket(bucket).object(object).build())) {
      return in.readAllBytes();
    }
  }
}
