package dev.lifeboat.repository.blob;

import io.minio.credentials.Credentials;
import io.minio.credentials.Provider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * S3 keys read from two files, the keys of a mounted Kubernetes Secret, and read again when either
 * file changes: the kubelet updates a Secret's files by swapping a symlink, so a rotated Secret takes
 * effect on the next request without a restart. Each request costs two {@code stat} calls; the files
 * are read only when one of them changed. Surrounding whitespace (the newline an editor or {@code
 * kubectl create secret --from-file} leaves) is dropped. A change that cannot be read (a file missing
 * or empty for a moment) keeps the keys read before and is tried again on the next request.
 * Thread-safe; the keys never appear in a message or a log.
 */
final class FileCredentialsProvider implements Provider {
  private static final Logger log = LoggerFactory.getLogger(FileCredentialsProvider.class);

  private final Path accessKeyFile;
  private final Path secretKeyFile;
  private final String store;
  private volatile Snapshot current;

  private record Snapshot(Object version, Credentials credentials) {}

  /**
   * Reads both files now.
   *
   * @param store the store's description, for messages
   * @throws IllegalArgumentException if a file cannot be read or is empty
   */
  FileCredentialsProvider(Path accessKeyFile, Path secretKeyFile, String store) {
    this.accessKeyFile = Objects.requireNonNull(accessKeyFile, "accessKeyFile");
    this.secretKeyFile = Objects.requireNonNull(secretKeyFile, "secretKeyFile");
    this.store = store;
    try {
      Object version = version();
      this.current = new Snapshot(version, read());
    } catch (IOException e) {
      throw new IllegalArgumentException(store + ": the key files cannot be read: " + e.getMessage(), e);
    }
  }

  @Override
  public Credentials fetch() {
    Snapshot seen = current;
    Object version;
    try {
      version = version();
    } catch (IOException e) {
      log.warn("{}: the key files cannot be read ({}); using the keys read before", store, e.toString());
      return seen.credentials();
    }
    if (version.equals(seen.version())) {
      return seen.credentials();
    }
    synchronized (this) {
      if (version.equals(current.version())) {
        return current.credentials();
      }
      try {
        current = new Snapshot(version, read());
        log.info("{}: the key files {} and {} changed; signing with the keys read from them now", store, accessKeyFile,
            secretKeyFile);
      } catch (IOException e) {
        log.warn("{}: the key files changed but cannot be read ({}); using the keys read before", store, e.getMessage());
      }
      return current.credentials();
    }
  }

  /** What changes when either file is replaced or rewritten: modification time, size and file identity. */
  private Object version() throws IOException {
    return List.of(attributes(accessKeyFile), attributes(secretKeyFile));
  }

  private static List<String> attributes(Path file) throws IOException {
    BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
    return List.of(a.lastModifiedTime().toString(), Long.toString(a.size()), Objects.toString(a.fileKey()));
  }

  private Credentials read() throws IOException {
    return new Credentials(key(accessKeyFile), key(secretKeyFile), null, null);
  }

  private static String key(Path file) throws IOException {
    String key = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (key.isEmpty()) {
      throw new IOException(file + " is empty");
    }
    return key;
  }

  @Override
  public String toString() {
    return "FileCredentialsProvider[" + accessKeyFile + ", " + secretKeyFile + "]";
  }
}
