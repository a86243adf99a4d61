package dev.lifeboat.snapshotter.volume;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A tree as one comparable map, relative path to a line of what a restore must reproduce: type,
 * mode, mtime (not for links, whose times are restored to the microsecond), size and content hash,
 * or link target; owners too when asked.
 */
final class TreeDescription {
  private TreeDescription() {}

  static Map<String, String> of(Path root, boolean owners) throws IOException {
    Map<String, String> description = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        String relative = path.equals(root) ? "." : root.relativize(path).toString();
        Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid,gid,lastModifiedTime,size", LinkOption.NOFOLLOW_LINKS);
        String line;
        if (Files.isSymbolicLink(path)) {
          line = "link -> " + Files.readSymbolicLink(path);
        } else {
          line = String.format("%s %o %s", Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "dir" : "file",
              (int) a.get("mode") & 07777, a.get("lastModifiedTime"));
          if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
            line += " " + a.get("size") + " " + sha256(path);
          }
        }
        if (owners) {
          line += " " + a.get("uid") + ":" + a.get("gid");
        }
        description.put(relative, line);
      }
    }
    return description;
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
