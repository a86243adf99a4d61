package dev.lifeboat.commands;

import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamReader;
import dev.lifeboat.restore.DiskSync;
import dev.lifeboat.restore.PrivateFiles;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Restores an etcd snapshot as the file {@code etcdctl snapshot restore} takes: the {@code etcd.db}
 * stream reassembled into {@code targetPath} (which must not exist), every chunk authenticated on the
 * way and the whole checked against the manifest's SHA-256; a mismatch leaves no file behind. The
 * file is created 0600 and synced to disk, with its directory entry, before success is reported.
 */
final class EtcdFileRestore implements RestoreService {
  static final String STREAM = "etcd.db";

  private final RestoreData data;

  EtcdFileRestore(RestoreData data) {
    this.data = data;
  }

  @Override
  public Result restore(ValidatedRestore restore, Progress progress, CancellationToken cancellation) throws Exception {
    Manifest manifest = ((ValidatedRestore.Snapshot) restore.source()).found().manifest();
    Manifest.Stream stream = manifest.streams() == null ? null
        : manifest.streams().stream().filter(s -> STREAM.equals(s.name())).findFirst().orElse(null);
    Map<String, String> details = new LinkedHashMap<>();
    details.put("snapshotId", manifest.snapshotId());
    Path target = Path.of(restore.targetPath());
    details.put("targetPath", target.toString());
    if (stream == null) {
      return new Result(AuditOutcome.FAILED, "snapshot " + manifest.snapshotId() + " holds no " + STREAM + " stream",
          Map.of(), details);
    }
    if (Files.exists(target)) {
      return new Result(AuditOutcome.FAILED, "the target " + target + " exists: an etcd snapshot is restored into a new file",
          Map.of(), details);
    }
    if (restore.dryRun()) {
      details.put("dryRun", "true");
      return new Result(AuditOutcome.SUCCEEDED, "dry run: the " + stream.size() + "-byte etcd database would be written to "
          + target + "; nothing was written", Map.of("bytes", stream.size()), details);
    }
    Repository repository = data.require();
    repository.chunks().refresh();
    Path parent = target.toAbsolutePath().getParent();
    // every Secret of the cluster: 0600 (and missing parents 0700) from creation
    PrivateFiles.createDirectories(parent);
    Path partial = PrivateFiles.createTempFile(parent, target.getFileName().toString(), ".partial");
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    long written = 0;
    try {
      try (InputStream in = new StreamReader(repository.chunks(), stream);
          FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
          OutputStream out = Channels.newOutputStream(channel)) {
        byte[] buffer = new byte[1 << 16];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          cancellation.throwIfCancelled();
          out.write(buffer, 0, n);
          sha256.update(buffer, 0, n);
          written += n;
          progress.report(written, stream.size(), "bytes");
        }
        channel.force(true); // the database is on disk before it takes the target's name
      }
      String actual = HexFormat.of().formatHex(sha256.digest());
      if (!actual.equals(stream.sha256())) {
        return new Result(AuditOutcome.FAILED, "the reassembled etcd database hashes to " + actual + ", the manifest says "
            + stream.sha256() + ": nothing was restored", Map.of("bytes", written), details);
      }
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      DiskSync.file(target); // and so is its name, before the command reports success
    } finally {
      Files.deleteIfExists(partial);
    }
    details.put("sha256", stream.sha256());
    return new Result(AuditOutcome.SUCCEEDED, "restored the etcd database of snapshot " + manifest.snapshotId() + " to "
        + target + " (" + written + " bytes, SHA-256 checked); restore it into a data directory with"
        + " `etcdctl snapshot restore " + target + "`", Map.of("bytes", written), details);
  }
}
