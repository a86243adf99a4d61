package dev.lifeboat.restore;

import dev.lifeboat.repository.restore.FileRestorer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A volume snapshot restored into a directory.
 *
 * @param expectedFiles regular files the manifest holds with content (entries the snapshot itself
 *     could not read excluded)
 * @param expectedBytes their total size
 * @param files what {@link FileRestorer} did: files, directories, links, bytes, SHA-256 mismatches,
 *     failures (with the chunk at fault, if one was)
 */
public record VolumeRestoreReport(String snapshotId, Path target, long expectedFiles, long expectedBytes,
    FileRestorer.Report files, Duration duration) {

  /** Every file restored, and every file's SHA-256 equal to the manifest's. */
  public boolean clean() {
    return files.clean() && files.files() == expectedFiles;
  }

  /** Chunks that failed a file, by id (corrupted or missing). */
  public List<String> chunksAtFault() {
    return files.errors().stream().map(FileRestorer.Failure::chunkId).filter(java.util.Objects::nonNull).distinct().toList();
  }
}
