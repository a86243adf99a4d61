package dev.lifeboat.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lifeboat.config.ConfigLoader;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.tls.LocalPki;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.Required;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd as a production cluster runs it: client URL on https, client certificates required
 * ({@code --client-cert-auth}). The snapshotter reaches it with the etcd.caFile, certFile and keyFile
 * config keys, and when one of them is missing or wrong it fails at once with an error that names the
 * endpoint and says what was refused, instead of waiting out a timeout.
 */
@LifeboatIntegrationTest
class EtcdClientCertificatesIT {
  /** Far above the ~2 s a refused handshake takes (jetcd's three attempts); far below a hang. */
  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir
  static Path dir;

  private static LocalPki pki;
  private static EmbeddedEtcd etcd;

  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(2);

  @BeforeAll
  static void startEtcdWithClientCertificateAuth() {
    Required.etcd();
    pki = LocalPki.create(dir.resolve("pki"));
    etcd = EmbeddedEtcd.startWithClientCertificates(dir.resolve("etcd"), 0, pki);
  }

  @AfterAll
  static void stopEtcd() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void aSnapshotOverMutualTlsHoldsEveryKeyWhenCaCertificateAndKeyAreConfigured(TestStack stack) throws Exception {
    assertThat(etcd.endpoints()).singleElement().asString().startsWith("https://");
    LifeboatConfig config = config(stack, "caFile: " + pki.caCertificate(), "certFile: " + pki.client().certificate(),
        "keyFile: " + pki.client().privateKey());
    String prefix = "tls-it-" + UUID.randomUUID() + "/";
    try (Client client = EtcdClients.connect(config.etcd().orElseThrow())) {
      List<CompletableFuture<?>> puts = new ArrayList<>();
      for (int i = 0; i < 500; i++) {
        puts.add(client.getKVClient().put(bytes(prefix + i), bytes("value-" + i)));
      }
      CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

      EtcdSnapshotter.Result result = snapshotter(stack, config, client).snapshot("test", "etcd", "20260101T000000Z-a1", b -> {});

      assertThat(result.keys()).isGreaterThanOrEqualTo(500);
      assertThat(result.manifest().details()).containsEntry("sha256Checked", "true");
      assertThat(Long.parseLong(result.manifest().details().get("dbSize"))).isPositive();
    }
  }

  @Test
  void aKeyInPkcs1FormAsKubeadmWritesItIsAcceptedLikePkcs8(TestStack stack) throws Exception {
    Path pkcs1 = dir.resolve("client-key-pkcs1.pem");
    run("openssl", "pkey", "-in", pki.client().privateKey().toString(), "-traditional", "-out", pkcs1.toString());
    assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    LifeboatConfig config = config(stack, "caFile: " + pki.caCertificate(), "certFile: " + pki.client().certificate(),
        "keyFile: " + pkcs1);
    try (Client client = EtcdClients.connect(config.etcd().orElseThrow())) {
      EtcdSnapshotter.Result result = snapshotter(stack, config, client).snapshot("test", "etcd", "20260101T000000Z-b2", b -> {});
      assertThat(result.manifest().details()).containsEntry("sha256Checked", "true");
    }
  }

  @Test
  void withoutAClientCertificateTheConnectionIsRefusedPromptlyWithAnErrorNamingTheEndpoint(TestStack stack) {
    LifeboatConfig config = config(stack, "caFile: " + pki.caCertificate());

    Throwable failure = snapshotFailure(stack, config);

    assertThat(failure).isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("etcd at " + etcd.endpoints().get(0) + " refused the connection in the TLS handshake")
        .hasMessageContaining("set etcd.certFile and etcd.keyFile");
    assertThat(ErrorClassifier.isRetriable(failure)).as("no retry fixes a missing certificate").isFalse();
  }

  @Test
  void withACaThatDidNotSignTheServerTheErrorSaysTheServersCertificateWasNotTrusted(TestStack stack) {
    LocalPki stranger = LocalPki.create(dir.resolve("stranger-" + UUID.randomUUID()));
    LifeboatConfig config = config(stack, "caFile: " + stranger.caCertificate(), "certFile: " + pki.client().certificate(),
        "keyFile: " + pki.client().privateKey());

    Throwable failure = snapshotFailure(stack, config);

    assertThat(failure).isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("etcd at " + etcd.endpoints().get(0) + ": the server's certificate was not trusted")
        .hasMessageContaining("etcd.caFile must be the CA that signed etcd's server certificate");
  }

  private Throwable snapshotFailure(TestStack stack, LifeboatConfig config) {
    return assertTimeoutPreemptively(BOUND, () -> {
      try (Client client = EtcdClients.connect(config.etcd().orElseThrow())) {
        EtcdSnapshotter snapshotter = snapshotter(stack, config, client);
        return catchThrowable(() -> snapshotter.snapshot("test", "etcd", "20260101T000000Z-c3", b -> {}));
      }
    }, "a refused TLS handshake must fail the snapshot, not wait out a timeout");
  }

  /** The configuration a user writes: the stack's primary S3 store, and this etcd with {@code etcdKeys}. */
  private static LifeboatConfig config(TestStack stack, String... etcdKeys) {
    var s3 = stack.stack().primary();
    String yaml = String.join("\n",
        "kafka:",
        "  bootstrapServers: " + stack.stack().bootstrapServers(),
        "registry:",
        "  url: " + stack.stack().registryUrl(),
        "stores:",
        "  primary:",
        "    endpoint: " + s3.endpoint(),
        "    bucket: " + EmbeddedStack.PRIMARY_BUCKET,
        "    prefix: etcd-tls-" + UUID.randomUUID(),
        "    accessKey: " + s3.accessKey(),
        "    secretKey: " + s3.secretKey(),
        "etcd:",
        "  endpoints: [" + String.join(", ", etcd.endpoints()) + "]",
        "  " + String.join("\n  ", etcdKeys),
        "");
    return new ConfigLoader(Map.of(), List.of()).parse(yaml, "lifeboat.yaml");
  }

  private EtcdSnapshotter snapshotter(TestStack stack, LifeboatConfig config, Client client) {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    Repository repository = Repository.openOrCreate(BlobStores.open(config.stores().primary(), meters), new byte[32],
        ChunkerParams.DEFAULT, meters);
    return new EtcdSnapshotter(client, config.etcd().orElseThrow().endpoints(), repository, uploads, Clock.systemUTC());
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
  }
}
