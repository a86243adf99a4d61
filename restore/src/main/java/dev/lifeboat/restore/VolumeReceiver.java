package dev.lifeboat.restore;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.repository.restore.SparseFileWriter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a volume stream ({@link VolumeStream}) into a directory, as {@code lifeboat volume receive
 * DIR} does inside a data-mover pod: every file is hashed as it is written and checked against the
 * SHA-256 and size the stream carries; a file that does not match is removed and named in the
 * summary. Paths that would leave the directory ({@code ..}, absolute, or through a link already in
 * it) are refused. Links are created after every file, and directory modes and mtimes are set last,
 * deepest first, as a restore into a directory does. What is already in the directory stays, except
 * files and links at the paths the stream writes, which are replaced. What was written is synced to
 * disk ({@link DiskSync#tree}) before the summary is returned; a sync that fails is an error of the
 * summary, so the restore does not count the claim as filled. Owners (the stream's uid and gid) are
 * given back only when the receiver runs as root, as {@code tar} does; otherwise every entry belongs
 * to the user running it (the data-mover pod's, by default).
 */
public final class VolumeReceiver {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PIECE = 1 << 20;

  /** A file whose content does not hash to the stream's SHA-256; it was removed. */
  public record Mismatch(String path, String expected, String actual) {}

  /**
   * What a receive wrote.
   *
   * @param complete the stream reached its end-of-archive marker
   * @param errors entries that could not be written, and why the stream ended early if it did
   */
  public record Summary(long files, long directories, long symlinks, long bytes, boolean complete,
      List<Mismatch> mismatches, List<String> errors) {
    /** Every entry was written and checked. */
    public boolean ok() {
      return complete && mismatches.isEmpty() && errors.isEmpty();
    }

    /** One line of JSON, as {@code lifeboat volume receive} prints it. */
    public String toJson() {
      try {
        return JSON.writeValueAsString(this);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    public static Summary fromJson(String line) throws IOException {
      return JSON.readValue(line, Summary.class);
    }
  }

  private record Deferred(String path, Path target, String link, int mode, Instant mtime, Integer uid, Integer gid) {}

  private final Path root;
  private final List<Mismatch> mismatches = new ArrayList<>();
  private final List<String> errors = new ArrayList<>();
  private final List<Deferred> links = new ArrayList<>();
  private final List<Deferred> directories = new ArrayList<>();
  private long files;
  private long bytes;

  private final boolean chown;

  private VolumeReceiver(Path root, boolean chown) {
    this.root = root;
    this.chown = chown;
  }

  /**
   * Reads {@code in} up to the stream's end-of-archive marker and writes what it carries into {@code
   * directory}; owners are set when this process runs as root.
   */
  public static Summary receive(InputStream in, Path directory) throws IOException {
    return receive(in, directory, dev.lifeboat.repository.restore.FileRestorer.runningAsRoot());
  }

  static Summary receive(InputStream in, Path directory, boolean owners) throws IOException {
    Path root = Files.createDirectories(directory.toAbsolutePath().normalize()).toRealPath();
    return new VolumeReceiver(root, owners).run(in);
  }


  private Summary run(InputStream in) throws IOException {
    boolean complete = false;
    try {
      VolumeTar.Header header;
      while ((header = VolumeTar.read(in)) != null) {
        entry(header, in);
      }
      complete = true;
    } catch (IOException e) {
      errors.add(e instanceof EOFException ? e.getMessage() : "the stream is not a volume stream: " + e.getMessage());
    }
    for (Deferred link : links) {
      link(link);
    }
    for (int i = directories.size() - 1; i >= 0; i--) {
      metadata(directories.get(i));
    }
    try {
      DiskSync.tree(root); // on disk before the summary says the claim holds its data
    } catch (IOException e) {
      errors.add("the received files could not be synced to disk: " + e.getMessage());
    }
    return new Summary(files, directories.size(), links.size(), bytes, complete, List.copyOf(mismatches),
        List.copyOf(errors));
  }

  private void entry(VolumeTar.Header header, InputStream in) throws IOException {
    String path = header.pax().get("path");
    int mode = header.mode();
    Instant mtime = mtime(header.pax().get("mtime"));
    Integer uid = id(header.pax().get("uid"));
    Integer gid = id(header.pax().get("gid"));
    Path target;
    try {
      target = resolve(path);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
      skip(in, header.size());
      return;
    }
    switch (header.type()) {
      case VolumeTar.DIRECTORY -> {
        try {
          Files.createDirectories(target);
          directories.add(new Deferred(path, target, null, mode, mtime, uid, gid));
        } catch (IOException e) {
          errors.add(path + ": cannot create the directory: " + e);
        }
      }
      case VolumeTar.SYMLINK -> links.add(new Deferred(path, target, header.pax().get("linkpath"), mode, mtime, uid, gid));
      default -> file(header, path, target, new Deferred(path, target, null, mode, mtime, uid, gid), in);
    }
  }

  private void file(VolumeTar.Header header, String path, Path target, Deferred metadata, InputStream in)
      throws IOException {
    String expected = header.pax().get(VolumeTar.SHA256);
    long size = header.size();
    SparseFileWriter out = null;
    String refused = null;
    try {
      Files.createDirectories(target.getParent());
      if (!target.getParent().toRealPath().startsWith(root)) {
        refused = path + ": refused, its directory leads out of " + root;
      } else if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
        refused = path + ": a directory is in the way";
      } else {
        Files.deleteIfExists(target);
        out = new SparseFileWriter(target);
      }
    } catch (IOException e) {
      refused = path + ": cannot create the file: " + e;
    }
    long left = size;
    try {
      while (left > 0) {
        byte[] piece = in.readNBytes((int) Math.min(PIECE, left));
        if (piece.length == 0) {
          throw new EOFException("the stream ended inside " + path);
        }
        if (out != null) {
          out.write(piece);
        }
        left -= piece.length;
      }
      VolumeTar.skipPadding(in, size);
      if (out == null) {
        errors.add(refused);
        return;
      }
      String actual = out.finish();
      out.close();
      out = null;
      if (expected == null || !expected.equals(actual)) {
        Files.deleteIfExists(target);
        mismatches.add(new Mismatch(path, expected, actual));
        return;
      }
      files++;
      bytes += size;
      metadata(metadata);
    } finally {
      if (out != null) { // the stream broke inside this file: nothing of it stays
        out.close();
        Files.deleteIfExists(target);
      }
    }
  }

  private void link(Deferred link) {
    try {
      Files.createDirectories(link.target().getParent());
      if (!link.target().getParent().toRealPath().startsWith(root)) {
        errors.add(link.path() + ": refused, its directory leads out of " + root);
        return;
      }
      if (!Files.isDirectory(link.target(), LinkOption.NOFOLLOW_LINKS)) {
        Files.deleteIfExists(link.target());
      }
      Files.createSymbolicLink(link.target(), Path.of(link.link()));
      metadata(new Deferred(link.path(), link.target(), link.link(), -1, link.mtime(), link.uid(), link.gid()));
    } catch (IOException | RuntimeException e) {
      errors.add(link.path() + ": cannot create the link: " + e);
    }
  }

  /** Owner first (changing it clears setuid and setgid), then mode, then mtime. */
  private void metadata(Deferred entry) {
    try {
      if (chown && entry.uid() != null && entry.gid() != null) {
        Files.setAttribute(entry.target(), "unix:uid", entry.uid(), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(entry.target(), "unix:gid", entry.gid(), LinkOption.NOFOLLOW_LINKS);
      }
      if (entry.mode() >= 0) {
        Files.setAttribute(entry.target(), "unix:mode", entry.mode());
      }
      if (entry.mtime() != null) {
        Files.getFileAttributeView(entry.target(), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
            .setTimes(FileTime.from(entry.mtime()), null, null);
      }
    } catch (IOException | UnsupportedOperationException e) {
      errors.add(entry.path() + ": cannot set owner, mode or mtime: " + e);
    }
  }

  private Path resolve(String path) {
    if (".".equals(path)) {
      return root;
    }
    if (path == null || path.isEmpty() || path.startsWith("/")) {
      throw new IllegalArgumentException("refused an unsafe path: '" + path + "'");
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("refused an unsafe path: '" + path + "'");
      }
    }
    return root.resolve(path);
  }

  /** A uid or gid of the stream; null when absent or not a number (the entry keeps the receiver's). */
  private static Integer id(String value) {
    if (value == null) {
      return null;
    }
    try {
      int id = Integer.parseInt(value.trim());
      return id < 0 ? null : id;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static void skip(InputStream in, long size) throws IOException {
    in.skipNBytes(size);
    VolumeTar.skipPadding(in, size);
  }

  private static Instant mtime(String value) {
    if (value == null) {
      return null;
    }
    BigDecimal seconds = new BigDecimal(value);
    long whole = seconds.longValue();
    return Instant.ofEpochSecond(whole, seconds.subtract(BigDecimal.valueOf(whole)).movePointRight(9).longValue());
  }
}
