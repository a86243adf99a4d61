package dev.lifeboat.replicator;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.ChecksumMismatchException;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.retry.RetriableFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one object from the source store to a target store and proves the copy. The bytes read
 * from the source must have the expected SHA-256 before the upload may complete, and the upload
 * carries that SHA-256 for the target store to check against the bytes that arrive: a store that
 * implements S3's checksums refuses other bytes and confirms the ones it stored; the copy in a store
 * that does not confirm is read back and hashed. Streams from the source's response to the target's
 * request through small buffers; nothing holds a whole object.
 *
 * <p>Once the target has confirmed an upload's SHA-256, the copier stops hashing what it reads (the
 * target refuses any bytes without the SHA-256 they are sent with, so nothing damaged is stored) and
 * checks the length only: every byte is hashed once, not twice. A refusal is then told apart by
 * hashing the source object: damaged at the source (a {@link DamagedObjectException}) or on the way
 * (retried). If the target stops confirming, the copy is read back and hashed as for a target that
 * never did, and the copier hashes again.
 */
final class ObjectCopier {
  private static final Logger log = LoggerFactory.getLogger(ObjectCopier.class);
  private static final int BUFFER = 64 * 1024;

  private final BlobStore source;
  private final BlobStore target;
  private final BandwidthLimiter limiter;
  /** The target confirmed the SHA-256 of the last upload: it checks what it receives. */
  private volatile boolean targetChecks;

  /** @param limiter null: no bandwidth limit */
  ObjectCopier(BlobStore source, BlobStore target, BandwidthLimiter limiter) {
    this.source = source;
    this.target = target;
    this.limiter = limiter;
  }

  /** What copying one object did: uploaded it ({@code bytes} of it) or found it in the target already. */
  record Outcome(boolean copied, long bytes) {}

  /**
   * Copies {@code key} unless the target has it.
   *
   * @param length the object's size in the source
   * @param sha256 the SHA-256 (hex) its bytes must have; null: whatever the source holds now (an
   *     object whose name is no checksum: the repository's config)
   * @throws DamagedObjectException the source's bytes do not match {@code sha256}: nothing was stored
   * @throws VanishedException the source no longer has the object
   * @throws RetriableFailure a store failed, or the copy arrived damaged and was removed
   */
  Outcome copy(String key, long length, String sha256) {
    if (sha256 == null) {
      // an object whose name is no checksum (the config, a few hundred bytes): hash what the source holds
      byte[] bytes = source.get(key).orElseThrow(() -> new VanishedException(key));
      return copy(key, bytes.length, HexFormat.of().formatHex(VerifyingInputStream.sha256().digest(bytes)),
          () -> new java.io.ByteArrayInputStream(bytes), true);
    }
    return copy(key, length, sha256, () -> source.open(key).orElseThrow(() -> new VanishedException(key)), false);
  }

  /** @param hashAnyway hash what is read even if the target checks it (bytes already in memory) */
  private Outcome copy(String key, long length, String sha256, BlobStore.StreamSource from, boolean hashAnyway) {
    AtomicReference<VerifyingInputStream> reading = new AtomicReference<>();
    boolean hashHere = hashAnyway || !targetChecks;
    AtomicInteger opened = new AtomicInteger();
    BlobStore.Written written;
    try {
      written = target.putNew(key, () -> {
        // a store retrying the put opens the source again: that attempt hashes here, so a damaged
        // source is named at once instead of being refused by the target attempt after attempt
        boolean hash = hashHere || opened.getAndIncrement() > 0;
        VerifyingInputStream verified = hash ? new VerifyingInputStream(from.open(), key, length, sha256)
            : VerifyingInputStream.lengthOnly(from.open(), key, length);
        reading.set(verified);
        return limiter == null ? verified : limiter.throttle(verified);
      }, length, sha256);
    } catch (RuntimeException e) {
      VerifyingInputStream verified = reading.get();
      if (verified != null && verified.damage() != null) {
        throw new DamagedObjectException(key, verified.damage());
      }
      if (!hashHere && refusedForItsChecksum(e)) {
        // refused by the target: the source's bytes or the way there; only the source can tell
        String atSource = sha256Of(source, key);
        if (atSource == null) {
          throw new VanishedException(key);
        }
        if (!atSource.equalsIgnoreCase(sha256)) {
          throw new DamagedObjectException(key, "its bytes hash to SHA-256 " + atSource + ", not " + sha256);
        }
      }
      throw e;
    }
    if (!written.written()) {
      return new Outcome(false, 0);
    }
    targetChecks = written.checked();
    if (!written.checked()) {
      String arrived = sha256Of(target, key);
      if (!sha256.equalsIgnoreCase(arrived)) {
        removeDamagedCopy(key, "SHA-256 " + sha256, arrived == null ? null : "SHA-256 " + arrived);
      }
    }
    return new Outcome(true, length);
  }

  private static boolean refusedForItsChecksum(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ChecksumMismatchException) {
        return true;
      }
    }
    return false;
  }

  /** The SHA-256 (hex) of what {@code store} serves under {@code key}, or null if it has nothing there. */
  static String sha256Of(BlobStore store, String key) {
    Optional<InputStream> opened = store.open(key);
    if (opened.isEmpty()) {
      return null;
    }
    MessageDigest digest = VerifyingInputStream.sha256();
    byte[] buffer = new byte[BUFFER];
    try (InputStream in = opened.get()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        digest.update(buffer, 0, n);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + key + " back from " + store.describe() + " failed", e);
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private void removeDamagedCopy(String key, String expected, String arrived) {
    String what = "the copy of " + key + " in " + target.describe() + " hashes to "
        + (arrived == null ? "nothing (it is gone)" : arrived) + ", not " + expected;
    log.warn("{}: removing it so that it is copied again", what);
    try {
      target.delete(key);
    } catch (RuntimeException e) {
      throw new PermanentFailure(what + ", and it cannot be removed (Object Lock?): " + e.getMessage(), e);
    }
    throw new RetriableFailure(what + "; it was removed and will be copied again");
  }

  /** The source lost an object between its listing and its copy (garbage collection). */
  static final class VanishedException extends PermanentFailure {
    private final String key;

    VanishedException(String key) {
      super(key + " is no longer in the source store");
      this.key = key;
    }

    String key() {
      return key;
    }
  }
}
