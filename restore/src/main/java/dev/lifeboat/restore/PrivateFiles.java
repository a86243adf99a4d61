package dev.lifeboat.restore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories that only the process's user can read: what a restore writes before it is
 * checked (an etcd database holds every Secret of the cluster) goes into directories created 0700
 * and files created 0600, with the permissions given at creation, so there is no moment at which
 * they are readable by others. On a file system without POSIX permissions they are created as the
 * file system creates them.
 */
public final class PrivateFiles {
  public static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /** Creates {@code dir} and any missing parent, each 0700; directories that exist are left as they are. */
  public static Path createDirectories(Path dir) throws IOException {
    return posix(dir) ? Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY))
        : Files.createDirectories(dir);
  }

  /** Creates {@code dir}, which must not exist, 0700 (its parent must exist). */
  public static Path createDirectory(Path dir) throws IOException {
    return posix(dir) ? Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY))
        : Files.createDirectory(dir);
  }

  /** A new empty file in {@code dir}, 0600. */
  public static Path createTempFile(Path dir, String prefix, String suffix) throws IOException {
    FileAttribute<?>[] attributes = posix(dir) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
    return Files.createTempFile(dir, prefix, suffix, attributes);
  }

  /** A new empty file, 0600; fails if it exists. */
  public static Path createFile(Path file) throws IOException {
    return posix(file) ? Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE)) : Files.createFile(file);
  }

  /**
   * Makes an existing directory that this process owns private (0700) if it is not: for a scratch
   * directory configured by path, which an earlier version or another tool may have created.
   *
   * @return whether its permissions were changed
   * @throws IOException it is not a directory (a symlink is refused too)
   */
  public static boolean restrict(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " is not a directory (or is a symbolic link): a scratch directory must be a real one");
    }
    if (!posix(dir) || Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS).equals(DIRECTORY)) {
      return false;
    }
    Files.setPosixFilePermissions(dir, DIRECTORY);
    return true;
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
