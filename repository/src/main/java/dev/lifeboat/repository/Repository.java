package dev.lifeboat.repository;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.SettledPut;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.chunk.RepositoryKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A content-addressed, deduplicated, encrypted repository in one bucket and prefix: its {@code
 * config} (id, format, chunker parameters, the data key wrapped by the master key), chunks in packs
 * with their index, and manifests. Opening it loads the chunk index. {@link #openOrCreate} creates the
 * config the first time and reads it afterwards; processes racing to create it all end up with the
 * one that stays, before any of them writes data ({@link SettledPut}).
 */
public final class Repository {
  private static final Logger log = LoggerFactory.getLogger(Repository.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String CONFIG = "config";
  /** Where processes creating the config announce themselves ({@link SettledPut}). */
  static final String CREATING = "creating/";
  static final int FORMAT = 2;
  static final String CHUNKER = "fastcdc-2016-normalized-gear-v1";

  private final String id;
  private final BlobStore store;
  private final ChunkerParams chunker;
  private final ChunkStore chunks;
  private final ManifestStore manifests;

  private Repository(String id, BlobStore store, ChunkerParams chunker, RepositoryKeys keys, int zstdLevel, int packSize,
      MeterRegistry meters) {
    this.id = id;
    this.store = store;
    this.chunker = chunker;
    ChunkCodec codec = new ChunkCodec(keys, zstdLevel);
    this.chunks = new ChunkStore(store, codec, packSize, meters);
    this.manifests = new ManifestStore(store, codec, chunks);
  }

  public static Repository openOrCreate(BlobStore store, byte[] masterKey, ChunkerParams params, MeterRegistry meters) {
    return openOrCreate(store, masterKey, params, ChunkStore.DEFAULT_PACK_SIZE, meters);
  }

  /**
   * Opens the repository in {@code store}, creating its config if there is none. Of processes creating
   * it at the same time, all end up with the one config that stays, before any of them writes data
   * ({@link SettledPut}: a conditional put, and on a store that ignores the condition, a wait for every
   * racing creator to finish before the config is read).
   *
   * @param packSize how large the packs this process writes grow before they are uploaded
   */
  public static Repository openOrCreate(BlobStore store, byte[] masterKey, ChunkerParams params, int packSize,
      MeterRegistry meters) {
    SettledPut.Settled created = new SettledPut(store, CREATING, Clock.systemUTC()).put(CONFIG, () -> newConfig(masterKey, params));
    byte[] config = created.blob().orElseThrow(() -> new IllegalStateException("the repository config in "
        + store.describe() + " disappeared while it was being created"));
    Repository repository = open(store, config, masterKey, packSize, meters);
    if (created.mine()) {
      log.info("Created repository {} in {}", repository.id(), store.describe());
    }
    return repository;
  }

  private static byte[] newConfig(byte[] masterKey, ChunkerParams params) {
    String id = UUID.randomUUID().toString();
    RepositoryKeys.Created created = RepositoryKeys.create(masterKey, id);
    ObjectNode config = JSON.createObjectNode();
    config.put("format", FORMAT).put("id", id);
    config.putObject("chunker").put("algorithm", CHUNKER).put("min", params.min()).put("avg", params.avg()).put("max", params.max());
    config.put("compression", "zstd").put("encryption", "aes-256-gcm").put("chunkId", "hmac-sha256")
        .put("layout", "packs");
    config.put("dataKey", Base64.getEncoder().encodeToString(created.wrappedDataKey()));
    try {
      return JSON.writeValueAsBytes(config);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Repository open(BlobStore store, byte[] masterKey, MeterRegistry meters) {
    return open(store, masterKey, ChunkStore.DEFAULT_PACK_SIZE, meters);
  }

  public static Repository open(BlobStore store, byte[] masterKey, int packSize, MeterRegistry meters) {
    byte[] raw = store.get(CONFIG).orElseThrow(() -> new IllegalStateException("no repository in " + store.describe()
        + " (its config is missing)"));
    return open(store, raw, masterKey, packSize, meters);
  }

  private static Repository open(BlobStore store, byte[] raw, byte[] masterKey, int packSize, MeterRegistry meters) {
    ConfigFile config = ConfigFile.parse(store, raw, masterKey);
    String id = config.id();
    Repository repository = new Repository(id, store, config.chunker(), config.keys(), 1, packSize, meters);
    long started = System.nanoTime();
    repository.chunks.load();
    log.info("Opened repository {} in {}: {} chunks indexed in {} ms", id, store.describe(),
        repository.chunks.index().size(), (System.nanoTime() - started) / 1_000_000);
    return repository;
  }

  public String id() {
    return id;
  }

  public ChunkerParams chunker() {
    return chunker;
  }

  public ChunkStore chunks() {
    return chunks;
  }

  public ManifestStore manifests() {
    return manifests;
  }

  public BlobStore store() {
    return store;
  }

  public String describe() {
    return store.describe() + " (repository " + id + ")";
  }
}
