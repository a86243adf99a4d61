package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.restore.VolumeReceiver;
import dev.lifeboat.restore.VolumeStream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code lifeboat volume receive DIR}, as a data-mover pod runs it: stdin to DIR, a JSON summary on stdout. */
class VolumeCommandTest {
  private static final Instant T = Instant.parse("2026-01-01T12:00:00Z");

  @TempDir
  Path dir;

  @Test
  void receiveWritesTheStreamAndPrintsItsSummaryOrFailsWithExitCode1WhenAFileDoesNotMatch() throws Exception {
    byte[] stream = stream("hello\n");
    byte[] corrupted = stream.clone();
    int at = new String(stream, StandardCharsets.ISO_8859_1).indexOf("hello\n");
    corrupted[at] ^= 0x20;

    Run good = receive(stream, dir.resolve("good"));
    Run bad = receive(corrupted, dir.resolve("bad"));

    assertThat(good.exit()).isZero();
    assertThat(VolumeReceiver.Summary.fromJson(good.out().strip())).satisfies(s -> {
      assertThat(s.files()).isEqualTo(1);
      assertThat(s.bytes()).isEqualTo(6);
    });
    assertThat(dir.resolve("good/greeting.txt")).hasContent("hello");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(VolumeReceiver.Summary.fromJson(bad.out().strip()).mismatches()).singleElement()
        .satisfies(m -> assertThat(m.path()).isEqualTo("greeting.txt"));
    assertThat(bad.err()).contains("greeting.txt does not match its SHA-256");
    assertThat(dir.resolve("bad/greeting.txt")).doesNotExist();
  }

  private record Run(int exit, String out, String err) {}

  private static Run receive(byte[] stream, Path target) {
    VolumeCommand.Receive receive = new VolumeCommand.Receive();
    receive.in = new ByteArrayInputStream(stream);
    CommandLine cli = new CommandLine(receive);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(target.toString());
    return new Run(exit, out.toString(), err.toString());
  }

  private static byte[] stream(String content) throws Exception {
    Repository repository = Repository.openOrCreate(new InMemoryBlobStore("volume-command"), new byte[32],
        new ChunkerParams(64 << 10, 256 << 10, 1 << 20), new SimpleMeterRegistry());
    ExecutorService uploads = Executors.newFixedThreadPool(2);
    try {
      byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
      Manifest.Stream data = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
          .write("greeting.txt", new ByteArrayInputStream(bytes), b -> {}).stream();
      repository.chunks().flush();
      Manifest manifest = new Manifest(Manifest.FORMAT, "20260101T120000Z-v00003", SnapshotKind.VOLUME, "ns/claim",
          "prod", T, null, SnapshotPhase.COMPLETED, null, List.of(new FileEntry("greeting.txt", FileEntry.FILE, 0644,
              null, null, bytes.length, T, T, null, null, data.sha256(), data.chunks(), null)), Map.of());
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      VolumeStream.write(repository, manifest, out, null, b -> {});
      return out.toByteArray();
    } finally {
      uploads.shutdownNow();
    }
  }
}
