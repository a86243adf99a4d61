package dev.lifeboat.schemas.registry;

import com.sun.net.httpserver.BasicAuthenticator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The users allowed to call the registry, from a file of {@code user:password} lines (what one key
 * of a Kubernetes Secret holds; blank lines and lines starting with {@code #} are skipped, a password
 * may contain ':'). The file is read again when it changes, so a rotated Secret takes effect without
 * a restart; if the new file cannot be read, the users read before stay. Passwords are compared in
 * constant time, as SHA-256 digests, so neither their content nor their length leaks through timing;
 * an unknown user costs the same comparison.
 */
final class RegistryUsers extends BasicAuthenticator {
  private static final Logger log = LoggerFactory.getLogger(RegistryUsers.class);
  static final String REALM = "lifeboat-schema-registry";
  private static final byte[] NOBODY = digest("\u0000no such user\u0000");

  private final Path file;
  private Object version;
  private Map<String, byte[]> users;

  /** @throws IllegalArgumentException if the file cannot be read or names no user */
  RegistryUsers(Path file) {
    super(REALM, StandardCharsets.UTF_8);
    this.file = Objects.requireNonNull(file, "file");
    try {
      this.version = version(file);
      this.users = read(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("users file " + file + " cannot be read: " + e, e);
    }
    if (users.isEmpty()) {
      throw new IllegalArgumentException("users file " + file + " names no user: write one user:password per line");
    }
  }

  @Override
  public boolean checkCredentials(String username, String password) {
    byte[] expected = current().get(username);
    boolean matches = MessageDigest.isEqual(expected == null ? NOBODY : expected, digest(password));
    return expected != null && matches;
  }

  private synchronized Map<String, byte[]> current() {
    try {
      Object now = version(file);
      if (!now.equals(version)) {
        Map<String, byte[]> read = read(file);
        version = now;
        users = read;
        log.info("Schema registry users file {} changed: {} users", file, read.size());
      }
    } catch (IOException e) {
      log.warn("Schema registry users file {} cannot be read ({}); keeping the {} users read before", file, e.toString(),
          users.size());
    }
    return users;
  }

  /** Changes when the file is replaced (a Secret's update swaps a symlink) or rewritten. */
  private static Object version(Path file) throws IOException {
    BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
    return List.of(attributes.lastModifiedTime(), attributes.size(), Objects.toString(attributes.fileKey()));
  }

  private static Map<String, byte[]> read(Path file) throws IOException {
    Map<String, byte[]> users = new HashMap<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw new IOException("line " + (i + 1) + " is not user:password"); // never quote it: it may hold a password
      }
      users.put(line.substring(0, colon), digest(line.substring(colon + 1)));
    }
    return users;
  }

  private static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
