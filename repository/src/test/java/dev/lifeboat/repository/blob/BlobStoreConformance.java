package dev.lifeboat.repository.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.retry.PermanentFailure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} must do, whatever it is built on or wrapped in. A test class per
 * implementation extends this and says how to make a store.
 */
public abstract class BlobStoreConformance {
  /** More than 5 MiB, S3's smallest part, and not a multiple of anything: a multipart upload. */
  protected static final int LARGE = 6 * 1024 * 1024 + 12_345;

  protected BlobStore blobs;

  /** A store that sees no blobs yet (a fresh prefix, a fresh bucket); called before every test. */
  protected abstract BlobStore store();

  /** Keys per listing request of the stores {@link #store()} makes; the listing test writes more than that. */
  protected int listPageSize() {
    return 1000;
  }

  @BeforeEach
  void createStore() {
    blobs = store();
  }

  @Test
  void putIfAbsentWritesOnceAndNeverOverwrites() {
    byte[] first = bytes("first version");
    assertThat(blobs.putIfAbsent("chunks/ab/ab12", first)).isTrue();
    assertThat(blobs.putIfAbsent("chunks/ab/ab12", bytes("second version"))).isFalse();

    ByteArrayInputStream third = new ByteArrayInputStream(bytes("third version"));
    assertThat(blobs.putIfAbsent("chunks/ab/ab12", third, third.available())).isFalse();
    assertThat(third.available()).as("bytes left unread in a stream that was not needed").isEqualTo(13);
    assertThat(blobs.putIfAbsent("chunks/ab/ab12", () -> new ByteArrayInputStream(bytes("fourth")), 6)).isFalse();

    assertThat(blobs.get("chunks/ab/ab12")).contains(first);
  }

  @Test
  void putNewWritesOnceAndNeverReplacesWhatIsThere() throws IOException {
    byte[] first = random(11, 100_000);
    byte[] second = random(12, 100_000);

    assertThat(blobs.putNew("n/1", () -> new ByteArrayInputStream(first), first.length, sha256(first)).written()).isTrue();
    assertThat(blobs.putNew("n/1", () -> new ByteArrayInputStream(second), second.length, sha256(second)).written()).isFalse();
    assertThat(blobs.putNew("n/large", () -> new ByteArrayInputStream(random(13, LARGE)), LARGE, sha256(random(13, LARGE)))
        .written()).isTrue();

    assertThat(readAll(blobs.open("n/1"))).isEqualTo(first);
    assertThat(readAll(blobs.open("n/large"))).isEqualTo(random(13, LARGE));
  }

  @Test
  void rangesReadPartOfABlob() {
    byte[] data = bytes("0123456789abcdef");
    assertThat(blobs.putIfAbsent("packs/01/0123", data)).isTrue();
    assertThat(blobs.getRange("packs/01/0123", 0, 4)).contains(bytes("0123"));
    assertThat(blobs.getRange("packs/01/0123", 10, 6)).contains(bytes("abcdef"));
    assertThat(blobs.getRange("packs/01/0123", 12, 100)).as("a range past the end is cut at the end").contains(bytes("cdef"));
    assertThat(blobs.getRange("packs/01/0123", 16, 4)).as("a range starting at the end").hasValueSatisfying(b -> assertThat(b).isEmpty());
    assertThat(blobs.getRange("packs/01/none", 0, 4)).isEmpty();
  }

  @Test
  void aMissingBlobIsAnEmptyAnswer() {
    assertThat(blobs.get("manifests/none")).isEmpty();
    assertThat(blobs.open("manifests/none")).isEmpty();
    assertThat(blobs.stat("manifests/none")).isEmpty();
  }

  @Test
  void emptyBlobsRoundTrip() throws IOException {
    assertThat(blobs.putIfAbsent("empty/bytes", new byte[0])).isTrue();
    assertThat(blobs.putIfAbsent("empty/stream", new ByteArrayInputStream(new byte[0]), 0)).isTrue();
    for (String key : List.of("empty/bytes", "empty/stream")) {
      assertThat(blobs.get(key)).hasValueSatisfying(data -> assertThat(data).isEmpty());
      assertThat(readAll(blobs.open(key))).isEmpty();
      assertThat(blobs.stat(key)).hasValueSatisfying(info -> assertThat(info.size()).isZero());
    }
  }

  @Test
  void smallBlobsRoundTripByteForByte() throws IOException {
    byte[] data = random(1, 4096);
    assertThat(blobs.putIfAbsent("small/bytes", data)).isTrue();
    assertThat(blobs.putIfAbsent("small/stream", new ByteArrayInputStream(data), data.length)).isTrue();
    for (String key : List.of("small/bytes", "small/stream")) {
      assertThat(blobs.get(key)).hasValueSatisfying(read -> assertThat(read).isEqualTo(data));
      assertThat(readAll(blobs.open(key))).isEqualTo(data);
    }
  }

  @Test
  void largeBlobsRoundTripByteForByteThroughBytesStreamsAndSources() throws IOException {
    byte[] data = random(2, LARGE);
    assertThat(blobs.putIfAbsent("large/bytes", data)).isTrue();
    assertThat(blobs.putIfAbsent("large/stream", new ByteArrayInputStream(data), data.length)).isTrue();
    assertThat(blobs.putIfAbsent("large/source", () -> new ByteArrayInputStream(data), data.length)).isTrue();
    for (String key : List.of("large/bytes", "large/stream", "large/source")) {
      assertThat(blobs.stat(key)).hasValueSatisfying(info -> {
        assertThat(info.key()).isEqualTo(key);
        assertThat(info.size()).isEqualTo(LARGE);
        assertThat(info.lastModified()).isNotNull();
      });
      assertThat(readAll(blobs.open(key))).as(key + " opened").isEqualTo(data);
    }
    assertThat(blobs.get("large/stream")).hasValueSatisfying(read -> assertThat(read).isEqualTo(data));
  }

  @Test
  void aStreamShorterThanItsDeclaredLengthIsRefusedAndStoresNothing() {
    assertThatThrownBy(() -> blobs.putIfAbsent("short/stream", new ByteArrayInputStream(random(3, 100)), 200))
        .isInstanceOf(PermanentFailure.class)
        .hasMessageContaining("short/stream");
    assertThat(blobs.stat("short/stream")).isEmpty();
  }

  @Test
  void listReturnsExactlyTheKeysUnderAPrefixInOrderRelativeWithSizes() {
    List<String> keys = List.of("a.json", "a/1", "a/10", "a/2", "a/b/c", "ab", "b/x", "B/upper");
    for (String key : keys) {
      blobs.putIfAbsent(key, new byte[key.length()]);
    }

    assertThat(list("")).containsExactly("B/upper", "a.json", "a/1", "a/10", "a/2", "a/b/c", "ab", "b/x");
    assertThat(list("a/")).containsExactly("a/1", "a/10", "a/2", "a/b/c");
    assertThat(list("a")).containsExactly("a.json", "a/1", "a/10", "a/2", "a/b/c", "ab");
    assertThat(list("a/1")).containsExactly("a/1", "a/10");
    assertThat(list("c")).isEmpty();

    List<BlobInfo> infos = new ArrayList<>();
    blobs.list("a/b/", infos::add);
    assertThat(infos).singleElement().satisfies(info -> {
      assertThat(info.key()).isEqualTo("a/b/c");
      assertThat(info.size()).isEqualTo(5);
      assertThat(info.lastModified()).isNotNull();
    });
  }

  @Test
  void listPagesThroughMoreKeysThanOneListingRequestReturns() throws Exception {
    int count = listPageSize() + 100;
    List<String> expected = IntStream.range(0, count).mapToObj(i -> String.format("many/%05d", i)).toList();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> puts = new ArrayList<>();
      for (String key : expected) {
        puts.add(pool.submit(() -> blobs.putIfAbsent(key, new byte[] {1})));
      }
      for (Future<Boolean> put : puts) {
        assertThat(put.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    blobs.putIfAbsent("manyfold", new byte[] {2});
    blobs.putIfAbsent("other/00000", new byte[] {3});

    List<BlobInfo> listed = new ArrayList<>();
    blobs.list("many/", listed::add);
    assertThat(listed).extracting(BlobInfo::key).containsExactlyElementsOf(expected);
    assertThat(listed).allSatisfy(info -> assertThat(info.size()).isEqualTo(1));
  }

  @Test
  void deleteIsIdempotentAndADeletedKeyCanBeWrittenAgain() {
    blobs.delete("manifests/never-written");
    assertThat(blobs.putIfAbsent("manifests/m1", bytes("one"))).isTrue();
    blobs.delete("manifests/m1");
    blobs.delete("manifests/m1");
    assertThat(blobs.stat("manifests/m1")).isEmpty();
    assertThat(blobs.get("manifests/m1")).isEmpty();
    assertThat(list("manifests/")).isEmpty();
    assertThat(blobs.putIfAbsent("manifests/m1", bytes("two"))).isTrue();
    assertThat(blobs.get("manifests/m1")).contains(bytes("two"));
  }

  @Test
  void keysWithSlashesDotsAndOtherCharactersRoundTrip() {
    List<String> keys = List.of(
        ".hidden",
        "manifests/2026-01-01/snapshot.v1.json",
        "a..b/c.d.e",
        "x/.y/z.",
        "chunks/ab/ab12~_-+=,;@!$'()",
        "with space/and%percent",
        "unicode/größe/日本");
    for (String key : keys) {
      assertThat(blobs.putIfAbsent(key, bytes(key))).as(key).isTrue();
    }
    for (String key : keys) {
      assertThat(blobs.get(key)).as(key).contains(bytes(key));
      assertThat(blobs.stat(key)).as(key).hasValueSatisfying(info -> assertThat(info.key()).isEqualTo(key));
    }
    assertThat(list("")).containsExactlyElementsOf(keys.stream().sorted(BlobKeys::compare).toList());
    blobs.delete("with space/and%percent");
    assertThat(blobs.stat("with space/and%percent")).isEmpty();
  }

  @Test
  void keysThatCouldNameAnotherBlobAreRefused() {
    for (String key : List.of("", "/a", "a/", "a//b", "./a", "a/./b", "a/../b", "..", "a\nb")) {
      assertThatThrownBy(() -> blobs.putIfAbsent(key, new byte[] {1})).as("put %s", key)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> blobs.get(key)).as("get %s", key).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> blobs.stat(key)).as("stat %s", key).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> blobs.delete(key)).as("delete %s", key).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(list("")).isEmpty();
  }

  @Test
  void racingPutsOfTheSameKeyLeaveOneWholeBlob() throws Exception {
    byte[] data = random(4, 256 * 1024);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> puts = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        puts.add(pool.submit(() -> blobs.putIfAbsent("chunks/race", data)));
      }
      int written = 0;
      for (Future<Boolean> put : puts) {
        written += put.get() ? 1 : 0;
      }
      assertThat(written).as("puts that wrote").isBetween(1, 4);
    } finally {
      pool.shutdownNow();
    }
    assertThat(blobs.get("chunks/race")).hasValueSatisfying(read -> assertThat(read).isEqualTo(data));
    assertThat(list("chunks/")).containsExactly("chunks/race");
  }

  @Test
  void describeSaysWhereTheBlobsAre() {
    assertThat(blobs.describe()).isNotBlank();
  }

  protected List<String> list(String prefix) {
    List<String> keys = new ArrayList<>();
    blobs.list(prefix, info -> keys.add(info.key()));
    return keys;
  }

  protected static String sha256(byte[] data) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  protected static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  protected static byte[] random(long seed, int size) {
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    return data;
  }

  protected static byte[] readAll(Optional<InputStream> stream) throws IOException {
    assertThat(stream).isPresent();
    try (InputStream in = stream.get()) {
      return in.readAllBytes();
    }
  }
}
