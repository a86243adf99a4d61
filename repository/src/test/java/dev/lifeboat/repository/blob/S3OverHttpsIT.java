package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.embedded.EmbeddedS3;
import dev.lifeboat.embedded.tls.LocalPki;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link S3BlobStore} opened from a parsed {@code stores.primary} section against S3Proxy serving
 * HTTPS with a private CA's certificate: it trusts the CA of {@code caFile}, reads its keys from the
 * files of a Secret mounted the way the kubelet mounts one (files behind a {@code ..data} symlink that
 * an update swaps), and picks up rotated keys on the next request without being reopened.
 */
class S3OverHttpsIT {
  private static final String ACCESS_KEY = "lifeboat-tls";
  private static final String SECRET_KEY = "lifeboat-tls-secret";
  private static final String BUCKET = "lifeboat-secure";

  @TempDir static Path dir;
  private static LocalPki pki;
  private static EmbeddedS3 s3;

  @BeforeAll
  static void start() {
    pki = LocalPki.create(dir.resolve("pki"));
    s3 = EmbeddedS3.startHttps("secure", dir.resolve("s3"), 0, ACCESS_KEY, SECRET_KEY, List.of(BUCKET), pki);
  }

  @AfterAll
  static void stop() {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void writesAndReadsOverHttpsTrustingTheStoresCaWithKeysFromFiles() throws Exception {
    Path secret = mountSecret(dir.resolve("secret-right"), ACCESS_KEY + "\n", SECRET_KEY + "\n");
    assertThat(s3.endpoint()).startsWith("https://127.0.0.1:");
    byte[] small = "manifest".getBytes(StandardCharsets.UTF_8);
    byte[] large = random(9 << 20);

    try (S3BlobStore store = new S3BlobStore(primary(secret, true))) {
      assertThat(store.putIfAbsent("manifests/one", small)).isTrue();
      assertThat(store.putIfAbsent("packs/large", new ByteArrayInputStream(large), large.length)).isTrue();
      BlobStore.Written streamed = store.putNew("packs/streamed", () -> new ByteArrayInputStream(large), large.length,
          sha256(large));

      assertThat(streamed).as("one signed, streamed PUT over TLS, checked by the store").isEqualTo(new BlobStore.Written(true, true));
      assertThat(store.get("manifests/one")).hasValue(small);
      assertThat(store.get("packs/large")).hasValueSatisfying(read -> assertThat(read).isEqualTo(large));
      assertThat(store.get("packs/streamed")).hasValueSatisfying(read -> assertThat(read).isEqualTo(large));
      List<String> keys = new ArrayList<>();
      store.list("", info -> keys.add(info.key()));
      assertThat(keys).contains("manifests/one", "packs/large", "packs/streamed");
    }
  }

  @Test
  void rotatedKeyFilesAreUsedByTheOpenStoreWithoutReopeningIt() throws Exception {
    Path secret = mountSecret(dir.resolve("secret-rotated"), "old-key", "old-secret");
    byte[] data = random(64 << 10);

    try (S3BlobStore store = new S3BlobStore(primary(secret, true))) {
      assertThatThrownBy(() -> store.putIfAbsent("rotation/small", data))
          .isInstanceOf(PermanentFailure.class).hasMessageContaining("InvalidAccessKeyId").hasMessageNotContaining("old-secret");
      assertThatThrownBy(() -> store.putNew("rotation/streamed", () -> new ByteArrayInputStream(data), data.length, sha256(data)))
          .isInstanceOf(PermanentFailure.class).hasMessageContaining("InvalidAccessKeyId");

      updateSecret(secret, ACCESS_KEY, SECRET_KEY);

      assertThat(store.putIfAbsent("rotation/small", data)).isTrue();
      assertThat(store.putNew("rotation/streamed", () -> new ByteArrayInputStream(data), data.length, sha256(data)))
          .isEqualTo(new BlobStore.Written(true, true));
      assertThat(store.get("rotation/streamed")).hasValueSatisfying(read -> assertThat(read).isEqualTo(data));
    }
  }

  @Test
  void aStoreThatDoesNotTrustTheCaFailsPermanentlyNamingTheStore() throws Exception {
    Path secret = mountSecret(dir.resolve("secret-untrusting"), ACCESS_KEY, SECRET_KEY);
    byte[] data = random(1024);

    try (S3BlobStore store = new S3BlobStore(primary(secret, false))) {
      assertThatThrownBy(() -> store.stat("anything"))
          .isInstanceOfSatisfying(PermanentFailure.class, e -> assertThat(ErrorClassifier.isRetriable(e)).isFalse())
          .hasMessageContaining(s3.endpoint()).hasMessageContaining("TLS certificate is not trusted");
      assertThatThrownBy(() -> store.putNew("untrusted", () -> new ByteArrayInputStream(data), data.length, sha256(data)))
          .isInstanceOf(PermanentFailure.class).hasMessageContaining("TLS certificate is not trusted");
    }
  }

  /** The store as a lifeboat.yaml names it: https:// endpoint, the CA file (or none), the Secret's key files. */
  private static StoreConfig primary(Path secret, boolean trustTheCa) {
    String yaml = """
        kafka:
          bootstrapServers: 127.0.0.1:9092
        registry:
          url: http://127.0.0.1:8081
        stores:
          primary:
            endpoint: %s
            bucket: %s
            accessKeyFile: %s
            secretKeyFile: %s
        %s
        """.formatted(s3.endpoint(), BUCKET, secret.resolve("accessKey"), secret.resolve("secretKey"),
        trustTheCa ? "    caFile: " + pki.caCertificate() : "");
    return new ConfigLoader(Map.of(), List.of()).parse(yaml, "lifeboat.yaml").stores().primary();
  }

  /** A Secret's volume as the kubelet writes it: {@code KEY -> ..data/KEY}, {@code ..data -> ..VERSION/}. */
  private static Path mountSecret(Path volume, String accessKey, String secretKey) throws IOException {
    Files.createDirectories(volume);
    writeVersion(volume, "..v1", accessKey, secretKey);
    Files.createSymbolicLink(volume.resolve("..data"), Path.of("..v1"));
    for (String key : List.of("accessKey", "secretKey")) {
      Files.createSymbolicLink(volume.resolve(key), Path.of("..data", key));
    }
    return volume;
  }

  /** What the kubelet does when the Secret changes: a new version directory, then one atomic swap of {@code ..data}. */
  private static void updateSecret(Path volume, String accessKey, String secretKey) throws IOException {
    writeVersion(volume, "..v2", accessKey, secretKey);
    Path next = Files.createSymbolicLink(volume.resolve("..data_tmp"), Path.of("..v2"));
    Files.move(next, volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void writeVersion(Path volume, String version, String accessKey, String secretKey) throws IOException {
    Path files = Files.createDirectories(volume.resolve(version));
    Files.writeString(files.resolve("accessKey"), accessKey);
    Files.writeString(files.resolve("secretKey"), secretKey);
  }

  private static byte[] random(int size) {
    byte[] bytes = new byte[size];
    new Random(size).nextBytes(bytes);
    return bytes;
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
