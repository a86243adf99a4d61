package dev.lifeboat.repository;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a snapshot contains. Written (sealed) only after every chunk it names is in the store, under
 * a key nobody writes twice, so its presence means the whole snapshot is there.
 *
 * @param streams named byte streams: the etcd database, one stream of objects per namespace
 * @param files a volume's files, directories and links
 * @param details kind-specific facts (etcd revision and key count, Kafka offsets of a resource cut)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
    int format,
    String snapshotId,
    String kind,
    String target,
    String cluster,
    Instant createdAt,
    String parent,
    String phase,
    List<Stream> streams,
    List<FileEntry> files,
    Map<String, String> details) {

  public static final int FORMAT = 1;

  /** A byte stream cut into chunks, with the SHA-256 of the whole. */
  public record Stream(String name, long size, String sha256, List<ChunkRef> chunks) {}

  /**
   * One entry of a volume: {@code type} file, dir or symlink; {@code chunks} and {@code sha256} for
   * files; {@code linkTarget} for links; {@code error} when it could not be read (the snapshot is then
   * PARTIALLY_FAILED).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FileEntry(String path, String type, int mode, long size, Instant mtime, Long inode, String linkTarget,
      String sha256, List<ChunkRef> chunks, List<long[]> holes, String error) {}
}
