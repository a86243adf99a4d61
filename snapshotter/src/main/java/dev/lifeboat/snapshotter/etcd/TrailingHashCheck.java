package dev.lifeboat.snapshotter.etcd;

import dev.lifeboat.repository.blob.ObservedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Passes an etcd snapshot stream through unchanged while checking its integrity: etcd appends the
 * SHA-256 of the database to the stream, so the digest of everything but the last 32 bytes must
 * equal those 32 bytes. {@link #verify()} tells, once the stream has been read to its end.
 */
final class TrailingHashCheck extends ObservedInputStream {
  static final int HASH = 32;
  private final MessageDigest digest;
  private byte[] tail = new byte[0];
  private boolean eof;
  private long total;

  TrailingHashCheck(InputStream in) {
    super(in);
    try {
      this.digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n < 0) {
      eof = true;
      return n;
    }
    total += n;
    byte[] combined = new byte[tail.length + n];
    System.arraycopy(tail, 0, combined, 0, tail.length);
    System.arraycopy(b, off, combined, tail.length, n);
    int hashed = Math.max(0, combined.length - HASH);
    digest.update(combined, 0, hashed);
    tail = Arrays.copyOfRange(combined, hashed, combined.length);
    return n;
  }

  /** Throws if the stream is not complete or its trailing hash does not match. */
  void verify() {
    if (!eof) {
      throw new IllegalStateException("the etcd snapshot stream was not read to its end");
    }
    if (tail.length < HASH) {
      throw new EtcdIntegrityException("the etcd snapshot is " + total + " bytes: too short to carry its SHA-256");
    }
    byte[] computed = digest.digest();
    if (!MessageDigest.isEqual(computed, tail)) {
      throw new EtcdIntegrityException("the etcd snapshot failed its integrity check: SHA-256 of the database is "
          + HexFormat.of().formatHex(computed) + ", the stream carries " + HexFormat.of().formatHex(tail));
    }
  }

  long databaseSize() {
    return total - HASH;
  }

  /** The snapshot's integrity hash did not match: it must not be declared complete. */
  static final class EtcdIntegrityException extends dev.lifeboat.retry.RetriableFailure {
    EtcdIntegrityException(String message) {
      super(message);
    }
  }
}
