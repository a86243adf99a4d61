package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.embedded.apiserver.ApiCall;
import dev.lifeboat.embedded.apiserver.ExecHandler;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.Closer;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ExecutorService;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A volume snapshot moved into a restored claim through the API, as a restore moves it: a mover pod
 * on a claim bound by the local provisioner, the snapshot streamed through a websocket exec into the
 * real receiver writing where the claim's volume is.
 */
class VolumeMoverIT {
  private static final Instant T = Instant.parse("2026-01-01T12:00:00Z");

  @TempDir
  static Path volumes;

  private static LocalKubernetes kubernetes;
  private static KubernetesClient kube;
  /** What the pod's stdin goes through before the receiver: unchanged, unless a test corrupts it. */
  private static volatile UnaryOperator<InputStream> wire = UnaryOperator.identity();
  /** When set, each receiver waits (up to 20 s) until this many receivers have started. */
  private static volatile CountDownLatch together;
  private static final AtomicInteger receiving = new AtomicInteger();
  private static final AtomicInteger mostAtOnce = new AtomicInteger();

  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(2);
  private final Repository repository = Repository.openOrCreate(new InMemoryBlobStore("mover"), new byte[32],
      new ChunkerParams(64 << 10, 256 << 10, 1 << 20), new SimpleMeterRegistry());
  private final RestoreSource source = RestoreSource.of(repository, SegmentStore.open(repository, new byte[32]), null);

  @BeforeAll
  static void start() {
    kubernetes = LocalKubernetes.start(0).provisionVolumes(volumes).onExec(VolumeMoverIT::receive);
    kubernetes.recordCalls();
    kube = kubernetes.client();
  }

  @AfterAll
  static void stop() {
    kubernetes.close();
  }

  /** {@code lifeboat volume receive /data}, as the mover pod runs it, on the claim's host directory. */
  private static int receive(ExecHandler.Exec exec) throws IOException {
    assertThat(exec.command()).isEqualTo(VolumeMover.RECEIVE_COMMAND);
    Path data = kubernetes.mountedDirectory(exec.pod(), exec.container(), VolumeMover.MOUNT_PATH);
    mostAtOnce.accumulateAndGet(receiving.incrementAndGet(), Math::max);
    VolumeReceiver.Summary summary;
    try {
      CountDownLatch meeting = together;
      if (meeting != null) {
        meeting.countDown();
        meeting.await(20, TimeUnit.SECONDS);
      }
      summary = VolumeReceiver.receive(wire.apply(exec.stdin()), data);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      receiving.decrementAndGet();
    }
    exec.stdout().write((summary.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
    return summary.ok() ? 0 : 1;
  }

  @Test
  void everyFileArrivesInTheClaimsNewVolumeWithItsHashModeAndMtimeAndThePodIsDeleted() throws Exception {
    Map<String, byte[]> contents = Map.of("app/db/big.bin", random(3 * 1024 * 1024 + 5, 1), "app/config.yaml",
        "port: 8080\n".getBytes(StandardCharsets.UTF_8), "app/empty", new byte[0], "app/sparse.bin",
        new byte[2 * 1024 * 1024]);
    Manifest manifest = volume(contents);
    claim("data", null);
    List<Progress.Update> updates = new CopyOnWriteArrayList<>();

    VolumeMover.Result result = new VolumeMover(source, kube, "lifeboat:test", Duration.ofSeconds(30))
        .move("default", "data", manifest, updates::add);

    Path directory = kubernetes.volumeDirectory("default", "data");
    for (Map.Entry<String, byte[]> file : contents.entrySet()) {
      assertThat(Files.readAllBytes(directory.resolve(file.getKey()))).as(file.getKey()).isEqualTo(file.getValue());
      assertThat(sha256(Files.readAllBytes(directory.resolve(file.getKey())))).isEqualTo(sha256(file.getValue()));
      assertThat(Files.getLastModifiedTime(directory.resolve(file.getKey())).toInstant()).isEqualTo(T);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve("app/config.yaml"))))
        .isEqualTo("rw-------");
    assertThat(Files.readSymbolicLink(directory.resolve("current"))).isEqualTo(Path.of("app/db"));
    long bytes = contents.values().stream().mapToLong(b -> b.length).sum();
    assertThat(result).extracting(VolumeMover.Result::claim, VolumeMover.Result::files, VolumeMover.Result::bytes)
        .containsExactly("default/data", 4L, bytes);
    assertThat(updates).last().satisfies(u -> {
      assertThat(u.finished()).isTrue();
      assertThat(u.done()).isEqualTo(bytes);
    });
    String pod = VolumeMover.podName("data");
    assertThat(kube.pods().withName(pod).get()).isNull();
    assertThat(kubernetes.calls()).extracting(ApiCall::verb, ApiCall::rbacResource, ApiCall::name)
        .contains(org.assertj.core.groups.Tuple.tuple("create", "pods/exec", pod),
            org.assertj.core.groups.Tuple.tuple("delete", "pods", pod));
  }

  @Test
  void aByteChangedOnTheWayFailsTheMoveNamingTheFileAndLeavesNoBadFileNorPod() throws Exception {
    Manifest manifest = volume(Map.of("app/db/big.bin", random(1024 * 1024, 2), "app/config.yaml",
        "port: 8080\n".getBytes(StandardCharsets.UTF_8), "app/empty", new byte[0]));
    claim("flipped", null);
    wire = in -> new FlipByte(in, 200_000); // inside big.bin, the first file of the stream
    try {
      assertThatThrownBy(() -> new VolumeMover(source, kube, "lifeboat:test", Duration.ofSeconds(30))
          .move("default", "flipped", manifest, Progress.NONE))
          .isInstanceOf(VolumeMoveException.class)
          .hasMessageContaining("default/flipped")
          .hasMessageContaining("exited 1")
          .hasMessageContaining("app/db/big.bin");
    } finally {
      wire = UnaryOperator.identity();
    }
    Path directory = kubernetes.volumeDirectory("default", "flipped");
    assertThat(directory.resolve("app/db/big.bin")).doesNotExist();
    assertThat(directory.resolve("app/config.yaml")).hasContent("port: 8080");
    assertThat(kube.pods().withName(VolumeMover.podName("flipped")).get()).isNull();
  }

  @Test
  void aClaimThatNeverBindsTimesOutNamingTheClaimAndThePodAndThePodIsDeleted() throws Exception {
    Manifest manifest = volume(Map.of("a.txt", "a".getBytes(StandardCharsets.UTF_8)));
    claim("stranded", "no-such-class");

    assertThatThrownBy(() -> new VolumeMover(source, kube, "lifeboat:test", Duration.ofSeconds(2))
        .move("default", "stranded", manifest, Progress.NONE))
        .isInstanceOf(VolumeMoveException.class)
        .hasMessageContaining("claim default/stranded")
        .hasMessageContaining("default/" + VolumeMover.podName("stranded"))
        .hasMessageContaining("phase Pending")
        .hasMessageContaining("unbound immediate PersistentVolumeClaims")
        .hasMessageContaining("storage class no-such-class");
    assertThat(kube.pods().withName(VolumeMover.podName("stranded")).get()).isNull();
  }

  @Test
  void claimsAreFilledSideBySideAndOneThatCannotBeStopsTheRestoreWithTheOthersReported() throws Exception {
    Map<String, String> uids = new java.util.LinkedHashMap<>();
    for (String name : List.of("side-a", "side-b", "side-stranded")) {
      String uid = java.util.UUID.randomUUID().toString();
      uids.put(name, uid);
      repository.manifests().write(completed(uid, volume(Map.of(name + ".txt", name.getBytes(StandardCharsets.UTF_8)))));
      claim(name, name.equals("side-stranded") ? "no-such-class" : null);
    }
    List<ClaimFilling.Created> created = uids.entrySet().stream().map(e -> new ClaimFilling.Created(
        new dev.lifeboat.repository.resources.ResourceDocument("prod/default//PersistentVolumeClaim/" + e.getKey(), "",
            "v1", "PersistentVolumeClaim", "default", e.getKey(), e.getValue(), "1", T, "h", null, "{}"),
        "default")).toList();
    together = new CountDownLatch(2); // a and b only get past this if they are received at the same time
    mostAtOnce.set(0);
    try {
      assertThatThrownBy(() -> new ClaimFilling(source, kube, new DataMoverSettings("lifeboat:test", Duration.ofSeconds(3),
          2), "prod", T.plusSeconds(60)).fill(created, Progress.NONE))
          .isInstanceOfSatisfying(ClaimFilling.ClaimDataException.class, e -> {
            assertThat(e.getMessage()).contains("claim default/side-stranded");
            assertThat(e.filled()).extracting(ResourceRestoreReport.ClaimData::claim, d -> d.state().name())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("default/side-a", "FILLED"),
                    org.assertj.core.groups.Tuple.tuple("default/side-b", "FILLED"),
                    org.assertj.core.groups.Tuple.tuple("default/side-stranded", "FAILED"));
          });
    } finally {
      together = null;
    }
    assertThat(mostAtOnce.get()).as("receivers running at the same time").isEqualTo(2);
    for (String name : List.of("side-a", "side-b")) {
      assertThat(kubernetes.volumeDirectory("default", name).resolve(name + ".txt")).hasContent(name);
    }
  }

  private static Manifest completed(String uid, Manifest m) {
    return new Manifest(Manifest.FORMAT, m.snapshotId(), SnapshotKind.VOLUME, uid, "prod", T, null,
        SnapshotPhase.COMPLETED, null, m.files(), Map.of());
  }

  private static void claim(String name, String storageClass) {
    kube.persistentVolumeClaims().resource(new PersistentVolumeClaimBuilder().withNewMetadata().withName(name)
        .endMetadata().withNewSpec().withStorageClassName(storageClass).withAccessModes("ReadWriteOnce")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
  }

  /** A volume snapshot of {@code files} (mode 0600, mtime T), their directories and a link current -> app/db. */
  private Manifest volume(Map<String, byte[]> files) throws Exception {
    List<FileEntry> entries = new ArrayList<>();
    entries.add(new FileEntry(FileEntry.ROOT, FileEntry.DIRECTORY, 0755, null, null, 0, T, T, null, null, null, null,
        null));
    for (String directory : List.of("app", "app/db")) {
      entries.add(new FileEntry(directory, FileEntry.DIRECTORY, 0750, null, null, 0, T, T, null, null, null, null,
          null));
    }
    for (Map.Entry<String, byte[]> file : new java.util.TreeMap<>(files).entrySet()) {
      Manifest.Stream stream = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
          .write(file.getKey(), new ByteArrayInputStream(file.getValue()), b -> {}).stream();
      entries.add(new FileEntry(file.getKey(), FileEntry.FILE, 0600, null, null, file.getValue().length, T, T, null,
          null, stream.sha256(), stream.chunks(), null));
    }
    entries.add(new FileEntry("current", FileEntry.SYMLINK, 0777, null, null, 0, T, T, null, "app/db", null, null,
        null));
    entries.add(new FileEntry("unreadable", FileEntry.FILE, 0600, null, null, 0, T, T, null, null, null, null,
        "permission denied"));
    repository.chunks().flush();
    return new Manifest(Manifest.FORMAT, "20260101T120000Z-v00001", SnapshotKind.VOLUME, "default/data", "prod", T,
        null, SnapshotPhase.PARTIALLY_FAILED, null, entries, Map.of());
  }

  private static byte[] random(int size, long seed) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
  }

  /** Flips one byte at {@code at} of the stream. */
  private static final class FlipByte extends FilterInputStream {
    private final long at;
    private long position;

    FlipByte(InputStream in, long at) {
      super(in);
      this.at = at;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0 && position++ == at) {
        b ^= 0x01;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0 && position <= at && at < position + n) {
        buffer[offset + (int) (at - position)] ^= 0x01;
      }
      position += Math.max(n, 0);
      return n;
    }
  }
}
