package dev.lifeboat.replicator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.ChecksumMismatchException;
import dev.lifeboat.repository.blob.ForwardingBlobStore;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.retry.RetriableFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The copier against a target that checks the SHA-256 of what it receives, as S3 does with {@code
 * x-amz-checksum-sha256}: once the target has confirmed one, a damaged source is still never stored,
 * and is still told apart from damage on the way.
 */
class ObjectCopierTest {
  private final InMemoryBlobStore source = new InMemoryBlobStore("source");
  private final CheckingStore target = new CheckingStore(new InMemoryBlobStore("target"));
  private final ObjectCopier copier = new ObjectCopier(source, target, null);

  @Test
  void aDamagedSourceIsRefusedAndNamedOnceTheTargetChecksWhatItReceives() {
    String good = put("packs/aa/", bytes(100_000, 1));
    assertThat(copier.copy(good, 100_000, nameOf(good)).copied()).isTrue();
    assertThat(target.confirmed.get()).as("the target confirmed the first upload's SHA-256").isEqualTo(1);

    String key = putDamaged("packs/bb/", bytes(100_000, 2), 50_000);

    assertThatThrownBy(() -> copier.copy(key, 100_000, nameOf(key))).isInstanceOf(DamagedObjectException.class)
        .hasMessageContaining(key).hasMessageContaining("SHA-256");
    assertThat(target.refused.get()).as("the target, not the copier, refused the bytes").isEqualTo(1);
    assertThat(target.stat(key)).as("nothing damaged is stored").isEmpty();
  }

  @Test
  void aCopyDamagedOnTheWayIsRetriableAndTheNextAttemptStoresIt() {
    String first = put("packs/aa/", bytes(10_000, 3));
    copier.copy(first, 10_000, nameOf(first));
    String key = put("packs/cc/", bytes(10_000, 4));
    target.flipNextUpload = true;

    assertThatThrownBy(() -> copier.copy(key, 10_000, nameOf(key))).isInstanceOf(RetriableFailure.class)
        .isNotInstanceOf(DamagedObjectException.class);
    assertThat(copier.copy(key, 10_000, nameOf(key)).copied()).isTrue();
    assertThat(target.get(key)).contains(source.get(key).orElseThrow());
  }

  @Test
  void aTargetThatStopsConfirmingHasItsCopyReadBack() {
    String first = put("packs/aa/", bytes(10_000, 5));
    copier.copy(first, 10_000, nameOf(first));
    String key = putDamaged("packs/dd/", bytes(10_000, 6), 10);
    target.checking = false; // stores what arrives and confirms nothing

    assertThatThrownBy(() -> copier.copy(key, 10_000, nameOf(key))).isInstanceOf(RetriableFailure.class)
        .hasMessageContaining("removed");
    assertThat(target.stat(key)).as("the copy read back was wrong and is removed").isEmpty();
    assertThatThrownBy(() -> copier.copy(key, 10_000, nameOf(key))).as("the copier hashes again")
        .isInstanceOf(DamagedObjectException.class);
    assertThat(target.stat(key)).isEmpty();
  }

  private String put(String prefix, byte[] bytes) {
    String key = prefix + sha256(bytes);
    source.putIfAbsent(key, bytes);
    return key;
  }

  /** Stores {@code original} under its SHA-256 with one bit flipped at {@code at}: a source object damaged at rest. */
  private String putDamaged(String prefix, byte[] original, int at) {
    byte[] damaged = original.clone();
    damaged[at] ^= 1;
    String key = prefix + sha256(original);
    source.putIfAbsent(key, damaged);
    return key;
  }

  private static String nameOf(String key) {
    return key.substring(key.lastIndexOf('/') + 1);
  }

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(VerifyingInputStream.sha256().digest(bytes));
  }

  /** Checks each upload against the SHA-256 it is sent with and confirms it, unless told not to. */
  private static final class CheckingStore extends ForwardingBlobStore {
    final AtomicInteger confirmed = new AtomicInteger();
    final AtomicInteger refused = new AtomicInteger();
    volatile boolean checking = true;
    volatile boolean flipNextUpload;

    CheckingStore(BlobStore delegate) {
      super(delegate);
    }

    @Override
    public Written putNew(String key, StreamSource source, long length, String sha256Hex) {
      byte[] arrived;
      try (InputStream in = source.open()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        arrived = out.toByteArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (flipNextUpload) {
        flipNextUpload = false;
        arrived[arrived.length / 2] ^= 1;
      }
      if (!checking) {
        return new Written(delegate.putIfAbsent(key, arrived), false);
      }
      if (!sha256(arrived).equalsIgnoreCase(sha256Hex)) {
        refused.incrementAndGet();
        throw new ChecksumMismatchException(key, "BadDigest");
      }
      confirmed.incrementAndGet();
      return new Written(delegate.putIfAbsent(key, arrived), true);
    }
  }
}
