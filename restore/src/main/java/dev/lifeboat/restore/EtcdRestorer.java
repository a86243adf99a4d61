package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.ChunkStore.MissingChunkException;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamReader;
import dev.lifeboat.repository.chunk.ChunkCorruptedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores an etcd snapshot: the database stream reassembled from the repository into a file (every
 * chunk authenticated, the whole checked against the manifest's SHA-256), read by {@code etcdctl
 * snapshot status}, restored with {@code etcdctl snapshot restore}; and, to verify it, served by a
 * scratch etcd on loopback whose revision and key count are compared with the manifest. Or the
 * database alone, as the file {@code etcdctl snapshot restore} takes, at a path of the caller's.
 */
final class EtcdRestorer {
  private static final Logger log = LoggerFactory.getLogger(EtcdRestorer.class);
  static final String STREAM = "etcd.db";
  private static final String MEMBER = "lifeboat";
  /** Bytes between two progress reports while the database is reassembled. */
  private static final long REPORT_EVERY = 1 << 20;

  private final Repository repository;

  EtcdRestorer(Repository repository) {
    this.repository = repository;
  }

  /**
   * What writing the database to {@code file} would write: the snapshot is an etcd one with its
   * database stream, and {@code file} does not exist. Nothing is written.
   *
   * @throws IllegalArgumentException not an etcd snapshot, or the file exists
   * @throws RestoreDataException the manifest names no database stream
   */
  PathRestorePlan planDatabase(Manifest manifest, Path file) {
    Manifest.Stream stream = database(manifest);
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException("the target " + file + " exists: an etcd snapshot is restored into a new file");
    }
    return new PathRestorePlan(manifest.snapshotId(), file, 1, stream.size());
  }

  /**
   * Writes the database to {@code file}: reassembled next to it into a private file (0600; missing
   * parent directories 0700), checked against the manifest's SHA-256, synced, then moved into place
   * and its directory synced. A damaged chunk or a hash that differs leaves no file behind, and so
   * does a {@code progress} that throws (how a caller stops it: it is called at least every MiB).
   */
  EtcdDatabaseReport writeDatabase(Manifest manifest, Path file, Progress progress) throws IOException {
    long started = System.nanoTime();
    planDatabase(manifest, file);
    Manifest.Stream stream = database(manifest);
    Path parent = file.toAbsolutePath().getParent();
    PrivateFiles.createDirectories(parent);
    Path partial = PrivateFiles.createTempFile(parent, file.getFileName().toString(), ".partial");
    try {
      String sha256 = reassembleChecked(manifest, stream, partial, progress);
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
      DiskSync.file(file); // its name is on disk too before it is reported restored
      EtcdDatabaseReport report = new EtcdDatabaseReport(manifest.snapshotId(), file, stream.size(), sha256,
          stream.chunks().size(), Duration.ofNanos(System.nanoTime() - started));
      log.info("Wrote the etcd database of snapshot {} ({} bytes, SHA-256 checked) to {}", manifest.snapshotId(),
          report.bytes(), file);
      return report;
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  EtcdRestoreReport restore(Manifest manifest, Path dataDir, Progress progress) throws IOException {
    long started = System.nanoTime();
    Manifest.Stream stream = database(manifest);
    if (Files.exists(dataDir)) {
      throw new IllegalArgumentException("etcd data directory " + dataDir + " exists: restore into a new directory");
    }
    Path parent = dataDir.toAbsolutePath().getParent();
    PrivateFiles.createDirectories(parent);
    // the decrypted database holds every Secret of the cluster: 0600 in a 0700 directory, from creation
    Path file = PrivateFiles.createTempFile(parent, "etcd-" + manifest.snapshotId() + "-", ".db");
    try {
      String actual = reassembleChecked(manifest, stream, file, progress);
      progress.report(Progress.Update.of("checking", 0, 1, "databases"));
      JsonNode status = EtcdTools.status(file);
      EtcdTools.restore(file, dataDir, MEMBER);
      DiskSync.tree(dataDir);
      EtcdRestoreReport report = new EtcdRestoreReport(manifest.snapshotId(), stream.size(), stream.sha256(), actual,
          stream.chunks().size(), status.path("revision").asLong(), status.path("totalKey").asLong(),
          Long.toHexString(status.path("hash").asLong()), dataDir, Duration.ofNanos(System.nanoTime() - started));
      log.info("Restored etcd snapshot {} ({} bytes, SHA-256 checked, revision {}) into {} in {} ms", manifest.snapshotId(),
          report.bytes(), report.statusRevision(), dataDir, report.duration().toMillis());
      return report;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  EtcdVerification verify(Manifest manifest, Path scratchDir, Progress progress) throws IOException {
    long started = System.nanoTime();
    // ScratchEtcd serves <dir>/data
    EtcdRestoreReport restored = restore(manifest, scratchDir.resolve("data"), progress);
    long manifestRevision = Long.parseLong(manifest.details().getOrDefault("revision", "0"));
    long manifestKeys = Long.parseLong(manifest.details().getOrDefault("keys", "-1"));
    EtcdTools.Count count;
    String endpoint;
    Path etcdLog = scratchDir.resolve("etcd.log"); // where ScratchEtcd appends: private before etcd writes to it
    if (!Files.exists(etcdLog)) {
      PrivateFiles.createFile(etcdLog);
    }
    try (ScratchEtcd etcd = ScratchEtcd.start(scratchDir)) {
      endpoint = etcd.endpoints().get(0);
      count = EtcdTools.count(endpoint);
    }
    boolean revisionMatches = count.revision() >= manifestRevision;
    long revisionsBetween = Math.max(0, count.revision() - manifestRevision);
    boolean keysMatch = count.keys() == manifestKeys
        || revisionsBetween > 0 && Math.abs(count.keys() - manifestKeys) <= revisionsBetween;
    EtcdVerification verification = new EtcdVerification(restored, manifestRevision, manifestKeys, count.revision(),
        count.keys(), revisionMatches, keysMatch, endpoint, Duration.ofNanos(System.nanoTime() - started));
    progress.report(Progress.Update.of("checking", 1, 1, "databases").last());
    log.info("etcd snapshot {} served by a scratch etcd: revision {} (manifest {}), {} keys (manifest {}): {}",
        manifest.snapshotId(), count.revision(), manifestRevision, count.keys(), manifestKeys,
        verification.passed() ? "matches" : "DOES NOT MATCH");
    return verification;
  }

  /** The database stream of an etcd snapshot. */
  private static Manifest.Stream database(Manifest manifest) {
    if (manifest.kind() != SnapshotKind.ETCD) {
      throw new IllegalArgumentException("snapshot " + manifest.snapshotId() + " is a " + manifest.kind()
          + " snapshot, not an etcd one");
    }
    return (manifest.streams() == null ? List.<Manifest.Stream>of() : manifest.streams()).stream()
        .filter(s -> STREAM.equals(s.name())).findFirst()
        .orElseThrow(() -> new RestoreDataException("manifest " + manifest.snapshotId(), "snapshot "
            + manifest.snapshotId() + " holds no " + STREAM + " stream", null));
  }

  /** Writes the stream to {@code file} (synced) and checks it: returns its SHA-256, the manifest's. */
  private String reassembleChecked(Manifest manifest, Manifest.Stream stream, Path file, Progress progress)
      throws IOException {
    String actual = reassemble(stream, file, progress);
    if (!actual.equals(stream.sha256())) {
      throw new RestoreDataException("stream " + STREAM, "the reassembled etcd database of snapshot "
          + manifest.snapshotId() + " hashes to " + actual + ", its manifest says " + stream.sha256(), null);
    }
    return actual;
  }

  /** Writes the stream to {@code file}; returns the SHA-256 of what was written. */
  private String reassemble(Manifest.Stream stream, Path file, Progress progress) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long written = 0;
    long lastReport = 0;
    try (InputStream in = new StreamReader(repository.chunks(), stream);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream out = Channels.newOutputStream(channel)) {
      byte[] buffer = new byte[1 << 16];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        sha256.update(buffer, 0, n);
        out.write(buffer, 0, n);
        written += n;
        if (written - lastReport >= REPORT_EVERY) {
          lastReport = written;
          progress.report(Progress.Update.of("reading", written, stream.size(), "bytes").withBytes(written, stream.size()));
        }
      }
      channel.force(true);
    } catch (ChunkCorruptedException e) {
      throw new RestoreDataException("chunk " + e.chunkId(), e.getMessage(), e);
    } catch (MissingChunkException e) {
      throw new RestoreDataException("chunk " + e.chunkId(), e.getMessage(), e);
    }
    progress.report(Progress.Update.of("reading", written, stream.size(), "bytes").withBytes(written, stream.size()));
    return HexFormat.of().formatHex(sha256.digest());
  }
}
