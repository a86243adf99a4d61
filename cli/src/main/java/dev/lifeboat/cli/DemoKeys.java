package dev.lifeboat.cli;

import dev.lifeboat.config.EncryptionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
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

  /**
   * The key in {@code file}, made if there is none. Processes starting at once (the chaos run starts
   * every worker together) must all end up with the same key: the new key is written to a file of its
   * own, owner-only from its creation, and linked to its name only if nothing is there yet; whoever
   * comes second reads the first one's key.
   */
  private static byte[] key(Path file) {
    try {
      if (!Files.exists(file)) {
        Files.createDirectories(file.getParent());
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path made = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".new", ownerOnly());
        try {
          Files.writeString(made, Base64.getEncoder().encodeToString(key) + "\n");
          Files.createLink(file, made);
        } catch (FileAlreadyExistsException another) {
          // another process made it first: its key is the one
        } finally {
          Files.deleteIfExists(made);
        }
      }
      return Base64.getDecoder().decode(Files.readString(file).trim());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the demo's key " + file, e);
    }
  }

  private static FileAttribute<?>[] ownerOnly() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
        : new FileAttribute<?>[0];
  }
}
