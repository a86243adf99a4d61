package dev.lifeboat.repository;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Manifests at {@code manifests/<kind>/<target>/<snapshot id>}, sealed like chunks (zstd +
 * AES-256-GCM, the key authenticated with them). Snapshot ids start with their UTC time, so a
 * listing is in time order. The SHA-256 of the stored bytes is published with the snapshot, so a
 * copy can be verified without the repository's keys.
 */
public final class ManifestStore {
  private static final Logger log = LoggerFactory.getLogger(ManifestStore.class);
  static final String PREFIX = "manifests/";
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

  private final BlobStore store;
  private final ChunkCodec codec;
  private final ChunkStore chunks;
  private final ReferenceCheck references;

  ManifestStore(BlobStore store, ChunkCodec codec, ChunkStore chunks) {
    this.store = store;
    this.codec = codec;
    this.chunks = chunks;
    this.references = new ReferenceCheck(store, chunks);
  }

  /** Where a manifest was written, and the SHA-256 of its stored bytes. */
  public record Written(String key, String sha256, long size) {}

  public static String key(SnapshotKind kind, String target, String snapshotId) {
    return prefix(kind) + URLEncoder.encode(target, StandardCharsets.UTF_8) + "/" + snapshotId;
  }

  /** {@code manifests/<kind>/}: where every manifest of a kind is. */
  public static String prefix(SnapshotKind kind) {
    return PREFIX + kind.name().toLowerCase(java.util.Locale.ROOT) + "/";
  }

  /**
   * Writes a manifest, after flushing the chunk store: every chunk accepted before this call is then
   * stored and indexed, those the manifest names among them. A manifest is kept only if no garbage
   * collection deleted, or is deleting, a chunk it names ({@link ReferenceCheck}); otherwise this
   * throws {@link CollectedChunkException} and no manifest is left under the key.
   */
  public Written write(Manifest manifest) {
    chunks.flush();
    String key = key(manifest.kind(), manifest.target(), manifest.snapshotId());
    byte[] sealed = codec.seal(sealId(key), toJson(manifest));
    ReferenceCheck.Seen seen = references.before(key, manifest);
    if (!store.putIfAbsent(key, sealed)) {
      throw new IllegalStateException("manifest " + key + " already exists: snapshot ids must be unique");
    }
    try {
      references.after(key, manifest, seen);
    } catch (RuntimeException e) {
      // unchecked, the manifest might name a chunk a collection that missed it is deleting: withdraw it
      try {
        store.delete(key);
      } catch (RuntimeException deleting) {
        e.addSuppressed(deleting);
      }
      log.warn("Manifest {} in {} withdrawn: {}", key, store.describe(), e.getMessage());
      throw e;
    }
    return new Written(key, sha256(sealed), sealed.length);
  }

  public Optional<Manifest> read(String key) {
    return store.get(key).map(bytes -> open(key, bytes, codec));
  }

  /**
   * The manifest stored under {@code key} as {@code sealed}: authenticated ({@code
   * ChunkCorruptedException} if it does not open with this repository's keys) and parsed.
   */
  public static Manifest open(String key, byte[] sealed, ChunkCodec codec) {
    try {
      return fromJson(codec.openSealed(sealId(key), sealed));
    } catch (IOException e) {
      throw new UncheckedIOException("manifest " + key + " cannot be parsed", e);
    }
  }

  /** The stored form of a manifest (before it is sealed): JSON, kind and phase by name. */
  static byte[] toJson(Manifest manifest) {
    try {
      return JSON.writeValueAsBytes(manifest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Manifest fromJson(byte[] json) throws IOException {
    return JSON.readValue(json, Manifest.class);
  }

  /** Manifest keys of one target, oldest first. */
  public List<String> list(SnapshotKind kind, String target) {
    List<String> keys = new ArrayList<>();
    store.list(prefix(kind) + URLEncoder.encode(target, StandardCharsets.UTF_8) + "/", info -> keys.add(info.key()));
    return keys;
  }

  /** Every manifest key in the repository. */
  public void listAll(java.util.function.Consumer<String> each) {
    store.list(PREFIX, info -> each.accept(info.key()));
  }

  public Optional<Manifest> latest(SnapshotKind kind, String target) {
    List<String> keys = list(kind, target);
    return keys.isEmpty() ? Optional.empty() : read(keys.get(keys.size() - 1));
  }

  /** The value sealed manifests are authenticated with: the id position holds their key. */
  private static String sealId(String key) {
    return "manifest:" + key;
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
