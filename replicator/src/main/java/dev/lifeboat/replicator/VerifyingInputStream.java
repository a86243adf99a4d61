package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.ObservedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Passes an object's bytes through while hashing them, and refuses to hand over its last bytes unless
 * the whole object has the expected length and SHA-256. An upload reading from it therefore fails
 * before it is complete when the source is damaged, and no damaged copy is ever stored: S3 stores an
 * object only once its upload completed.
 *
 * <p>The refusal is an unchecked {@link DamagedObjectException}, which no retry repeats; {@link
 * #damage()} tells the copier afterwards what was wrong, however the upload reported the failure.
 */
final class VerifyingInputStream extends ObservedInputStream {
  private final String key;
  private final long expectedLength;
  private final String expectedSha256;
  /** Null when the bytes are not hashed here: the target store checks the SHA-256 of what it receives. */
  private final MessageDigest digest;
  private long read;
  private volatile String damage;

  /**
   * @param expectedSha256 hex; null: only the length is checked (an object whose name is no checksum)
   */
  VerifyingInputStream(InputStream in, String key, long expectedLength, String expectedSha256) {
    this(in, key, expectedLength, expectedSha256, true);
  }

  private VerifyingInputStream(InputStream in, String key, long expectedLength, String expectedSha256, boolean hash) {
    super(in);
    this.key = key;
    this.expectedLength = expectedLength;
    this.expectedSha256 = expectedSha256;
    this.digest = hash ? sha256() : null;
  }

  /**
   * Checks the length only, not the SHA-256: for a target store known to check the SHA-256 of what it
   * receives against the one it is sent with, so that every byte is not hashed twice.
   */
  static VerifyingInputStream lengthOnly(InputStream in, String key, long expectedLength) {
    return new VerifyingInputStream(in, key, expectedLength, null, false);
  }

  /** What was found wrong with the bytes, or null. */
  String damage() {
    return damage;
  }

  /** The SHA-256 of every byte read (hex); call once the stream is exhausted. */
  String sha256Hex() {
    return HexFormat.of().formatHex(digest.digest());
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (length == 0) {
      return 0;
    }
    int n = super.read(buffer, offset, (int) Math.min(length, Math.max(1, expectedLength - read + 1)));
    if (n < 0) {
      if (read < expectedLength) {
        fail("it ended after " + read + " of its " + expectedLength + " bytes");
      }
      return n;
    }
    if (digest != null) {
      digest.update(buffer, offset, n);
    }
    read += n;
    if (read > expectedLength) {
      fail("it is longer than its " + expectedLength + " bytes");
    }
    if (read == expectedLength && expectedSha256 != null && digest != null) {
      String actual = HexFormat.of().formatHex(digest.digest());
      if (!actual.equalsIgnoreCase(expectedSha256)) {
        fail("its bytes hash to SHA-256 " + actual + ", not " + expectedSha256);
      }
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    throw new IOException("a verified stream cannot skip: every byte must be hashed");
  }

  private void fail(String what) {
    damage = what;
    throw new DamagedObjectException(key, what);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
