package dev.lifeboat.snapshotter.etcd;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.embedded.EmbeddedEtcd;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamReader;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.Required;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.GetOption;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** A real etcd, snapshotted into a real S3 repository; the reassembled bytes pass etcdctl and restore. */
@LifeboatIntegrationTest
class EtcdSnapshotterIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(2);

  @Test
  void aSnapshotOfThousandsOfKeysRestoresIntoAWorkingEtcdWithTheSameKeyCount(TestStack stack) throws Exception {
    Required.etcd();
    EmbeddedEtcd source = stack.stack().etcd().orElseThrow();
    String prefix = "it-" + UUID.randomUUID() + "/";
    int written = 3000;
    try (Client client = Client.builder().endpoints(source.endpoints().toArray(String[]::new)).build()) {
      List<CompletableFuture<?>> puts = new ArrayList<>();
      for (int i = 0; i < written; i++) {
        puts.add(client.getKVClient().put(bytes(prefix + "key-" + i), bytes("value-" + i + "-" + "x".repeat(200))));
      }
      CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      long keysBefore = client.getKVClient().get(bytes("\0"), GetOption.builder().withRange(bytes("\0")).withCountOnly(true).build())
          .get().getCount();

      BlobStore store = TestStores.primary(stack, "etcd-" + UUID.randomUUID());
      Repository repository = Repository.openOrCreate(store, new byte[32], new ChunkerParams(64 << 10, 256 << 10, 1 << 20),
          new SimpleMeterRegistry());
      EtcdSnapshotter snapshotter = new EtcdSnapshotter(client, repository, uploads, Clock.systemUTC());
      EtcdSnapshotter.Result result = snapshotter.snapshot("test", "etcd", "20260101T000000Z-a1", bytesRead -> {});

      assertThat(result.keys()).isEqualTo(keysBefore);
      assertThat(result.manifest().streams()).singleElement().satisfies(s -> assertThat(s.chunks()).hasSizeGreaterThan(1));

      // the stored bytes, reassembled from the repository alone
      Manifest manifest = repository.manifests().read(result.written().key()).orElseThrow();
      Manifest.Stream stream = manifest.streams().get(0);
      Path file = dir.resolve("snapshot.db");
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      try (InputStream in = new StreamReader(repository.chunks(), stream); OutputStream out = Files.newOutputStream(file)) {
        byte[] buffer = new byte[1 << 16];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          sha256.update(buffer, 0, n);
          out.write(buffer, 0, n);
        }
      }
      assertThat(HexFormat.of().formatHex(sha256.digest())).isEqualTo(stream.sha256());

      JsonNode status = JSON.readTree(run("etcdctl", "snapshot", "status", file.toString(), "-w", "json"));
      assertThat(status.path("totalKey").asLong()).isGreaterThanOrEqualTo(keysBefore);
      assertThat(status.path("revision").asLong()).isGreaterThanOrEqualTo(result.revision());

      Path restored = dir.resolve("restored");
      run("etcdctl", "snapshot", "restore", file.toString(), "--data-dir", restored.resolve("data").toString(),
          "--name", "restored", "--initial-cluster", "restored=http://127.0.0.1:2390",
          "--initial-advertise-peer-urls", "http://127.0.0.1:2390");
      try (EmbeddedEtcd copy = EmbeddedEtcd.start(restored, 0);
          Client check = Client.builder().endpoints(copy.endpoints().toArray(String[]::new)).build()) {
        long keysAfter = check.getKVClient().get(bytes(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
            .get(30, TimeUnit.SECONDS).getCount();
        assertThat(keysAfter).isEqualTo(written);
        long allAfter = check.getKVClient().get(bytes("\0"), GetOption.builder().withRange(bytes("\0")).withCountOnly(true).build())
            .get(30, TimeUnit.SECONDS).getCount();
        assertThat(allAfter).isGreaterThanOrEqualTo(result.keys());
      }

      // a second snapshot of unchanged data uploads (almost) nothing new
      EtcdSnapshotter.Result second = snapshotter.snapshot("test", "etcd", "20260101T000100Z-b2", bytesRead -> {});
      assertThat(second.manifest().parent()).isEqualTo("20260101T000000Z-a1");
      assertThat(second.newChunks()).isLessThan(result.newChunks());
    }
  }

  private static ByteSequence bytes(String text) {
    return ByteSequence.from(text, StandardCharsets.UTF_8);
  }

  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    return output;
  }
}
