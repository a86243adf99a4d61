package dev.lifeboat.repository;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a snapshot contains. Written (sealed) only after every chunk it names is in the store, under
 * a key nobody writes twice, so its presence means the whole snapshot is there.
 *
 * <p>{@code kind} and {@code phase} are the contract's enums; in the stored JSON they are their
 * names ({@code "kind":"ETCD"}, {@code "phase":"PARTIALLY_FAILED"}), as they always were.
 *
 * @param phase how the snapshot ended; null in a manifest that records none
 * @param streams named byte streams: the etcd database, one stream of objects per namespace
 * @param files a volume's files, directories and links
 * @param details kind-specific facts (etcd revision and key count, Kafka offsets of a resource cut)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
    int format,
    String snapshotId,
    SnapshotKind kind,
    String target,
    String cluster,
    Instant createdAt,
    String parent,
    SnapshotPhase phase,
    List<Stream> streams,
    List<FileEntry> files,
    Map<String, String> details) {

  public static final int FORMAT = 1;

  /** A byte stream cut into chunks, with the SHA-256 of the whole. */
  public record Stream(String name, long size, String sha256, List<ChunkRef> chunks) {}

  /**
   * One entry of a volume, at {@code path} relative to the volume's root ({@code /} separated; the root
   * itself is {@code .}).
   *
   * @param type {@link #FILE}, {@link #DIRECTORY}, {@link #SYMLINK} or {@link #OTHER} (a fifo, socket
   *     or device: not backed up, so always with an {@code error})
   * @param mode the permission bits, setuid, setgid and sticky included ({@code 07777})
   * @param uid numeric owner
   * @param gid numeric group
   * @param ctime when the inode last changed; with size, mtime and inode it tells whether a file can
   *     be taken from the previous snapshot without reading it
   * @param linkTarget for symbolic links, as stored in the link
   * @param sha256 of a file's whole content
   * @param chunks of a file's content, in order
   * @param error why the entry could not be read (the snapshot is then PARTIALLY_FAILED); a file
   *     with an error has no content
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FileEntry(String path, String type, int mode, Integer uid, Integer gid, long size, Instant mtime,
      Instant ctime, Long inode, String linkTarget, String sha256, List<ChunkRef> chunks, String error) {
    public static final String ROOT = ".";
    public static final String FILE = "file";
    public static final String DIRECTORY = "dir";
    public static final String SYMLINK = "symlink";
    public static final String OTHER = "other";

    public FileEntry withError(String message) {
      return new FileEntry(path, type, mode, uid, gid, size, mtime, ctime, inode, linkTarget, null, null, message);
    }
  }
}
