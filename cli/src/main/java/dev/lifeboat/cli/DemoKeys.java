package dev.lifeboat.cli;

import dev.lifeboat.config.EncryptionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * The demo's keys (the data key that seals secrets, the repository's master key): made once with a
 * secure random generator, kept in {@code DATA_DIR/keys} (owner-only permissions) so that a second
 * run can read what the first encrypted.
 */
public final class DemoKeys {
  static final String KEY_ID = "demo-1";

  private DemoKeys() {}

  static EncryptionConfig load(Path dataDir) {
    return new EncryptionConfig(KEY_ID, Map.of(KEY_ID, key(dataDir.resolve("keys").resolve(KEY_ID + ".key"))));
  }

  /** The repository's master key, made once like the data key. */
  public static byte[] masterKey(Path dataDir) {
    return key(dataDir.resolve("keys").resolve("repository-master.key"));
  }

  private static byte[] key(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
        try {
          Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          // not a POSIX file system: the file keeps the default permissions
        }
      }
      return Base64.getDecoder().decode(Files.readString(file).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the demo's key " + file, e);
    }
  }
}
