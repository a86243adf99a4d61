package dev.lifeboat.repository.blob;

import dev.lifeboat.retry.PermanentFailure;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The bottom layer of a repository: named, immutable blobs in one bucket under one prefix. Keys are
 * relative to the prefix ({@code chunks/ab/ab12...}, {@code manifests/...}). Nothing is overwritten in
 * place: keys are content-addressed or unique, so {@link #putIfAbsent} is the only write.
 * {@link BlobKeys} says which keys are valid.
 *
 * <p>Failures are classified at this boundary: {@link dev.lifeboat.retry.RetriableFailure} for what
 * may pass (I/O, timeouts, 5xx, throttling), {@link dev.lifeboat.retry.PermanentFailure} for what will
 * not (refused credentials, missing bucket); a missing blob is not an error but an empty answer.
 */
public interface BlobStore {

  /**
   * Writes {@code data} under {@code key} unless a blob with that key exists.
   *
   * @return true if written, false if the key already existed (nothing was uploaded)
   */
  boolean putIfAbsent(String key, byte[] data);

  /**
   * Streaming variant for large blobs; {@code length} must be exact. The stream is read at most once,
   * so a failure part-way cannot be retried here: use the {@link StreamSource} variant for that.
   */
  boolean putIfAbsent(String key, InputStream data, long length);

  /**
   * Streaming put from a source that can be opened again (a file, a buffer), so a failed upload can
   * be retried from its first byte. Stores open the source once; a retrying store opens it once per
   * attempt. The stream it opens is closed here. A source that is missing or unreadable fails
   * permanently; other failures to open it are retriable I/O errors.
   */
  default boolean putIfAbsent(String key, StreamSource source, long length) {
    InputStream data;
    try {
      data = source.open();
    } catch (FileNotFoundException | NoSuchFileException | AccessDeniedException e) {
      throw new PermanentFailure("cannot open the source of " + key + " to store it in " + describe() + ": " + e, e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the source of " + key + " to store it in " + describe(), e);
    }
    try (InputStream in = data) {
      return putIfAbsent(key, in, length);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the source of " + key, e);
    }
  }

  /**
   * What {@link #putNew} did.
   *
   * @param written false if the store already had a blob under the key (nothing was uploaded)
   * @param checked true if the store computed the SHA-256 of the bytes it received and found the one it
   *     was given (it refuses other bytes); false if it did not say, and the caller checks the blob itself
   */
  record Written(boolean written, boolean checked) {}

  /**
   * Streams a blob the caller believes absent (it keeps its own record of what the store holds) and
   * whose SHA-256 it knows, so that the store need not be asked first and can check what arrives. If
   * a blob exists under the key after all, nothing is replaced and {@code written} is false. A store
   * that can check uploads against a checksum (S3's {@code x-amz-checksum-sha256}) refuses bytes that
   * do not hash to {@code sha256Hex} with a {@link ChecksumMismatchException}; by default this is
   * {@link #putIfAbsent(String, StreamSource, long)}, which checks nothing.
   *
   * @param sha256Hex the SHA-256 of the blob's bytes, hex
   */
  default Written putNew(String key, StreamSource source, long length, String sha256Hex) {
    return new Written(putIfAbsent(key, source, length), false);
  }

  /** The whole blob, or empty if there is none. */
  Optional<byte[]> get(String key);

  /**
   * The bytes {@code [offset, offset + length)} of a blob (fewer if the blob ends first), or empty if
   * there is no blob: how one chunk is read out of a pack.
   */
  Optional<byte[]> getRange(String key, long offset, int length);

  /** A stream over the blob, or empty if there is none; the caller closes it. */
  Optional<InputStream> open(String key);

  /** Size and time of a blob, or empty if there is none. */
  Optional<BlobInfo> stat(String key);

  /**
   * Every blob whose key starts with {@code prefix}, in key order, one at a time (memory stays
   * bounded however many there are).
   */
  void list(String prefix, Consumer<BlobInfo> each);

  /**
   * Until when the store refuses to remove the blob for good: the retain-until date of its S3 Object
   * Lock retention, if that is still ahead of {@code now}. Empty when the blob may go (no retention,
   * retention expired, no such blob, or a store without Object Lock). Garbage collection asks before it
   * deletes what it means to free, since a delete of a locked object in a versioned bucket succeeds all
   * the same: it only hides the object behind a delete marker, and frees nothing.
   */
  default Optional<java.time.Instant> lockedUntil(String key, java.time.Instant now) {
    return Optional.empty();
  }

  /** Removes a blob; removing one that does not exist is not an error. */
  void delete(String key);

  /** Where the blobs are, for logs and records: e.g. {@code s3://bucket/prefix at http://host:9000}. */
  String describe();

  /** Opens a fresh stream over the same bytes every time it is called. */
  @FunctionalInterface
  interface StreamSource {
    InputStream open() throws IOException;
  }
}
