package dev.lifeboat.restore;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Manifest.FileEntry;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.restore.ChunkPrefetcher;
import dev.lifeboat.repository.restore.FileRestorer;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.LongConsumer;

/**
 * A volume snapshot's files as one stream, for a receiver that writes them where the volume is
 * mounted ({@link VolumeReceiver}, run as {@code lifeboat volume receive DIR}). The stream is a POSIX
 * tar (ustar headers, each entry preceded by a PAX extended header, see {@link VolumeTar}): every
 * directory, every regular file the snapshot holds content for, and every symbolic link, each with
 * its exact path, mode and mtime, and each file with its size and SHA-256 ({@code LIFEBOAT.sha256}).
 * It ends with tar's end-of-archive marker, so the receiver knows it has everything without waiting
 * for its stdin to close (a client of the {@code v4.channel.k8s.io} exec protocol cannot close it).
 *
 * <p>Chunks are read as a restore into a directory reads them ({@link ChunkPrefetcher}, fetching
 * ahead on {@code fetches}), each authenticated by the repository; a chunk that cannot be read fails
 * the whole stream, since the receiver would otherwise take the rest for the volume.
 */
public final class VolumeStream {

  /** What a stream carries: the files and bytes the receiver must report. */
  public record Contents(long files, long bytes) {}

  private VolumeStream() {}

  /** The files and bytes {@link #write} sends for {@code manifest}: its files with content. */
  public static Contents contents(Manifest manifest) {
    List<FileEntry> files = files(manifest);
    return new Contents(files.size(), files.stream().mapToLong(FileEntry::size).sum());
  }

  /**
   * Writes {@code manifest}'s volume to {@code out} (not closed).
   *
   * @param fetches where chunks are fetched ahead (null: one at a time, on this thread)
   * @param sent told the bytes of each piece of file content written, as it is
   * @throws IllegalArgumentException not a volume snapshot
   */
  public static Contents write(Repository repository, Manifest manifest, OutputStream out, Executor fetches,
      LongConsumer sent) throws IOException {
    if (manifest.kind() != SnapshotKind.VOLUME) {
      throw new IllegalArgumentException("snapshot " + manifest.snapshotId() + " is a " + manifest.kind()
          + " snapshot, not a volume");
    }
    List<FileEntry> files = files(manifest);
    Iterator<ChunkRef> order = files.stream().flatMap(f -> f.chunks() == null ? java.util.stream.Stream.empty()
        : f.chunks().stream()).iterator();
    ChunkPrefetcher chunks = new ChunkPrefetcher(repository.chunks(), fetches,
        (long) FileRestorer.DEFAULT_CHUNKS_AHEAD * repository.chunker().max(), order);
    long bytes = 0;
    for (FileEntry entry : manifest.files() == null ? List.<FileEntry>of() : manifest.files()) {
      Map<String, String> pax = new LinkedHashMap<>();
      pax.put("path", entry.path());
      if (entry.mtime() != null) {
        pax.put("mtime", mtime(entry.mtime()));
      }
      if (entry.uid() != null && entry.gid() != null) { // PAX's own keys: the receiver gives them back when it may
        pax.put("uid", entry.uid().toString());
        pax.put("gid", entry.gid().toString());
      }
      long seconds = entry.mtime() == null ? 0 : entry.mtime().getEpochSecond();
      switch (entry.type()) {
        case FileEntry.DIRECTORY -> VolumeTar.writeHeader(out, VolumeTar.DIRECTORY, pax, entry.mode(), 0, seconds);
        case FileEntry.SYMLINK -> {
          pax.put("linkpath", entry.linkTarget());
          VolumeTar.writeHeader(out, VolumeTar.SYMLINK, pax, entry.mode(), 0, seconds);
        }
        case FileEntry.FILE -> {
          if (entry.error() != null) {
            continue;
          }
          pax.put("size", Long.toString(entry.size()));
          pax.put(VolumeTar.SHA256, entry.sha256());
          VolumeTar.writeHeader(out, VolumeTar.FILE, pax, entry.mode(), entry.size(), seconds);
          long written = 0;
          for (ChunkRef ref : entry.chunks() == null ? List.<ChunkRef>of() : entry.chunks()) {
            byte[] data = chunks.next(ref);
            if (written + data.length > entry.size()) {
              throw new IOException("file " + entry.path() + " of snapshot " + manifest.snapshotId()
                  + " has more content than its recorded size " + entry.size());
            }
            out.write(data);
            written += data.length;
            sent.accept(data.length);
          }
          if (written != entry.size()) {
            throw new IOException("file " + entry.path() + " of snapshot " + manifest.snapshotId() + " has "
                + written + " bytes of content, not its recorded " + entry.size());
          }
          VolumeTar.pad(out, written);
          bytes += written;
        }
        default -> { } // fifos, sockets, devices: not backed up (they carry an error)
      }
    }
    VolumeTar.writeEnd(out);
    out.flush();
    return new Contents(files.size(), bytes);
  }

  /** The regular files a volume restore writes: those the snapshot holds with content. */
  static List<FileEntry> files(Manifest manifest) {
    return manifest.files() == null ? List.of() : manifest.files().stream()
        .filter(f -> FileEntry.FILE.equals(f.type()) && f.error() == null).toList();
  }

  private static String mtime(Instant time) {
    return time.getNano() == 0 ? Long.toString(time.getEpochSecond())
        : time.getEpochSecond() + "." + String.format("%09d", time.getNano());
  }
}
