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
   * @param etag the store's entity tag for what it wrote, when it gave one; for an object uploaded in
   *     one request to S3 without KMS encryption, the hex MD5 of the bytes the store received
   * @param crc32 the CRC32 the store computed over the bytes it received (S3's {@code
   *     x-amz-checksum-crc32}: base64 of the 4 bytes, big-endian), when it checked one; null otherwise
   */
  record Written(boolean written, String etag, String crc32) {}

  /**
   * Streams a blob the caller believes absent (it keeps its own record of what the store holds), so
   * the store need not be asked first; if one exists after all, nothing is replaced and {@code written}
   * is false. Reports what the store computed over the bytes it received (its CRC32, its entity tag),
   * with which the caller can check what arrived without reading it back. Stores
   * that can refuse a write when the key exists (S3's {@code If-None-Match: *}) do so; by default this
   * is {@link #putIfAbsent(String, StreamSource, long)}, without an entity tag.
   */
  default Written putNew(String key, StreamSource source, long length) {
    return new Written(putIfAbsent(key, source, length), null, null);
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
