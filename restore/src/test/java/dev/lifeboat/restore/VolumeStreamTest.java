package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.Closer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The volume stream as tar reads it, and the receiver's refusals. */
class VolumeStreamTest {
  private static final Instant T = Instant.parse("2026-01-01T12:00:00.250Z");
  @RegisterExtension
  final Closer closer = new Closer();
  private final ExecutorService uploads = closer.threads(2);
  private final Repository repository = Repository.openOrCreate(new InMemoryBlobStore("stream"), new byte[32],
      new ChunkerParams(64 << 10, 256 << 10, 1 << 20), new SimpleMeterRegistry());

  @TempDir
  Path dir;

  @Test
  void gnuTarExtractsTheStreamWithItsPathsSizesAndLinks() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("a/" + "long-name-".repeat(15) + ".bin", random(700_000, 1));
    files.put("a/small.txt", "hello\n".getBytes(StandardCharsets.UTF_8));
    byte[] stream = stream(volume(files, List.of()));
    Path out = Files.createDirectories(dir.resolve("tar"));

    Process tar = new ProcessBuilder("tar", "-x", "-f", "-", "-C", out.toString()).redirectErrorStream(true).start();
    tar.getOutputStream().write(stream);
    tar.getOutputStream().close();
    String said = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(tar.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(tar.exitValue()).as(said).isZero();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      assertThat(Files.readAllBytes(out.resolve(file.getKey()))).isEqualTo(file.getValue());
    }
    assertThat(Files.readSymbolicLink(out.resolve("link"))).isEqualTo(Path.of("a/small.txt"));
  }

  @Test
  void theReceiverStopsAtTheEndMarkerWithoutWaitingForStdinToClose() throws Exception {
    byte[] stream = stream(volume(Map.of("f", random(100_000, 2)), List.of()));
    byte[] followedByMore = Arrays.copyOf(stream, stream.length + 4096); // what a v4 client's open stdin may hold

    VolumeReceiver.Summary summary = VolumeReceiver.receive(new ByteArrayInputStream(followedByMore), dir.resolve("v"));

    assertThat(summary.ok()).isTrue();
    assertThat(summary.files()).isEqualTo(1);
    assertThat(summary.bytes()).isEqualTo(100_000);
    assertThat(VolumeReceiver.Summary.fromJson(summary.toJson())).isEqualTo(summary);
  }

  @Test
  void aStreamCutShortFailsAndLeavesNoPartOfTheFileItWasWriting() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("whole.txt", bytes("x"));
    files.put("z-big.bin", random(300_000, 3));
    byte[] stream = stream(volume(files, List.of()));

    VolumeReceiver.Summary summary = VolumeReceiver.receive(new ByteArrayInputStream(stream, 0, 200_000),
        dir.resolve("cut"));

    assertThat(summary.ok()).isFalse();
    assertThat(summary.complete()).isFalse();
    assertThat(summary.errors()).singleElement().asString().contains("ended inside z-big.bin");
    assertThat(dir.resolve("cut/whole.txt")).hasContent("x");
    assertThat(dir.resolve("cut/z-big.bin")).doesNotExist();
  }

  @Test
  void pathsLeavingTheDirectoryAreRefusedAndNothingIsWrittenOutsideIt() throws Exception {
    Path volume = Files.createDirectories(dir.resolve("volume"));
    Files.createSymbolicLink(volume.resolve("escape"), dir); // already in the volume, pointing out of it
    Manifest manifest = volume(Map.of("../outside.txt", bytes("a"), "escape/through-link.txt", bytes("b"),
        "inside.txt", bytes("c")), List.of());

    VolumeReceiver.Summary summary = VolumeReceiver.receive(new ByteArrayInputStream(stream(manifest)), volume);

    assertThat(summary.ok()).isFalse();
    assertThat(summary.errors()).anySatisfy(e -> assertThat(e).contains("unsafe path", "../outside.txt"))
        .anySatisfy(e -> assertThat(e).contains("escape/through-link.txt", "leads out of"));
    assertThat(dir.resolve("outside.txt")).doesNotExist();
    assertThat(dir.resolve("through-link.txt")).doesNotExist();
    assertThat(volume.resolve("inside.txt")).hasContent("c");
  }

  @Test
  void ownersGoInTheStreamAndComeBackWhenTheReceiverMayGiveThem() throws Exception {
    Manifest.Stream content = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
        .write("owned.txt", new ByteArrayInputStream(bytes("owned\n")), b -> {}).stream();
    repository.chunks().flush();
    Manifest manifest = new Manifest(Manifest.FORMAT, "20260101T120000Z-v00003", SnapshotKind.VOLUME, "ns/claim", "prod",
        T, null, SnapshotPhase.COMPLETED, null, List.of(
            new FileEntry("d", FileEntry.DIRECTORY, 0750, 1234, 2345, 0, T, T, null, null, null, null, null),
            new FileEntry("d/owned.txt", FileEntry.FILE, 04750, 1234, 2345, 6, T, T, null, null, content.sha256(),
                content.chunks(), null),
            new FileEntry("d/link", FileEntry.SYMLINK, 0777, 1234, 2345, 0, T, T, null, "owned.txt", null, null, null)),
        Map.of());
    byte[] stream = stream(manifest);

    // GNU tar reads the owners from the stream's PAX headers (listing needs no privilege)
    Process list = new ProcessBuilder("tar", "-t", "-v", "--numeric-owner", "-f", "-").redirectErrorStream(true).start();
    list.getOutputStream().write(stream);
    list.getOutputStream().close();
    String listed = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(list.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(list.exitValue()).as(listed).isZero();
    assertThat(listed.lines().filter(l -> l.contains("1234/2345"))).as(listed).hasSize(3);

    Path unowned = dir.resolve("unowned");
    VolumeReceiver.Summary plain = VolumeReceiver.receive(new ByteArrayInputStream(stream), unowned, false);
    int me = (int) new com.sun.security.auth.module.UnixSystem().getUid();
    assertThat(plain.ok()).isTrue();
    assertThat(Files.getAttribute(unowned.resolve("d/owned.txt"), "unix:uid")).isEqualTo(me);

    Path owned = dir.resolve("owned");
    VolumeReceiver.Summary summary = VolumeReceiver.receive(new ByteArrayInputStream(stream), owned, true);
    if (me != 0) { // only root may give a file away: the receiver says so for each entry, it does not pass silently
      assertThat(summary.errors()).hasSize(3).allSatisfy(e -> assertThat(e).contains("cannot set owner"));
      return;
    }
    assertThat(summary.ok()).as(summary.toString()).isTrue();
    for (String path : List.of("d", "d/owned.txt", "d/link")) {
      assertThat(Files.getAttribute(owned.resolve(path), "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(path)
          .isEqualTo(1234);
      assertThat(Files.getAttribute(owned.resolve(path), "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).as(path)
          .isEqualTo(2345);
    }
    // the mode is set after the owner, so chown's clearing of setuid does not undo it
    assertThat(Files.getAttribute(owned.resolve("d/owned.txt"), "unix:mode")).isEqualTo(0104750);
  }

  private byte[] stream(Manifest manifest) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    VolumeStream.write(repository, manifest, out, null, b -> {});
    return out.toByteArray();
  }

  private Manifest volume(Map<String, byte[]> files, List<FileEntry> more) throws Exception {
    List<FileEntry> entries = new ArrayList<>();
    entries.add(new FileEntry("a", FileEntry.DIRECTORY, 0755, null, null, 0, T, T, null, null, null, null, null));
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Manifest.Stream stream = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
          .write(file.getKey(), new ByteArrayInputStream(file.getValue()), b -> {}).stream();
      entries.add(new FileEntry(file.getKey(), FileEntry.FILE, 0640, null, null, file.getValue().length, T, T, null,
          null, stream.sha256(), stream.chunks(), null));
    }
    entries.add(new FileEntry("link", FileEntry.SYMLINK, 0777, null, null, 0, T, T, null, "a/small.txt", null, null,
        null));
    entries.addAll(more);
    repository.chunks().flush();
    return new Manifest(Manifest.FORMAT, "20260101T120000Z-v00002", SnapshotKind.VOLUME, "ns/claim", "prod", T, null,
        SnapshotPhase.COMPLETED, null, entries, Map.of());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }
}
