package dev.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.chunk.RepositoryKeys;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A content-addressed, deduplicated, encrypted repository in one bucket and prefix: its {@code
 * config} (id, format, chunker parameters, the data key wrapped by the master key), chunks and
 * manifests. {@link #openOrCreate} creates the config the first time and reads it afterwards; two
 * writers racing to create it both end up with the one that was stored first.
 */
public final class Repository {
  private static final Logger log = LoggerFactory.getLogger(Repository.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String CONFIG = "config";
  static final int FORMAT = 1;
  static final String CHUNKER = "fastcdc-2016-normalized-gear-v1";

  private final String id;
  private final BlobStore store;
  private final ChunkerParams chunker;
  private final ChunkStore chunks;
  private final ManifestStore manifests;

  private Repository(String id, BlobStore store, ChunkerParams chunker, RepositoryKeys keys, int zstdLevel, MeterRegistry meters) {
    this.id = id;
    this.store = store;
    this.chunker = chunker;
    ChunkCodec codec = new ChunkCodec(keys, zstdLevel);
    this.chunks = new ChunkStore(store, codec, meters);
    this.manifests = new ManifestStore(store, codec);
  }

  public static Repository openOrCreate(BlobStore store, byte[] masterKey, ChunkerParams params, MeterRegistry meters) {
    if (store.get(CONFIG).isEmpty()) {
      String id = UUID.randomUUID().toString();
      RepositoryKeys.Created created = RepositoryKeys.create(masterKey, id);
      ObjectNode config = JSON.createObjectNode();
      config.put("format", FORMAT).put("id", id);
      config.putObject("chunker").put("algorithm", CHUNKER).put("min", params.min()).put("avg", params.avg()).put("max", params.max());
      config.put("compression", "zstd").put("encryption", "aes-256-gcm").put("chunkId", "hmac-sha256");
      config.put("dataKey", Base64.getEncoder().encodeToString(created.wrappedDataKey()));
      try {
        if (store.putIfAbsent(CONFIG, JSON.writeValueAsBytes(config))) {
          log.info("Created repository {} in {}", id, store.describe());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return open(store, masterKey, meters);
  }

  public static Repository open(BlobStore store, byte[] masterKey, MeterRegistry meters) {
    byte[] raw = store.get(CONFIG).orElseThrow(() -> new IllegalStateException("no repository in " + store.describe()
        + " (its config is missing)"));
    JsonNode config;
    try {
      config = JSON.readTree(raw);
    } catch (IOException e) {
      throw new IllegalStateException("the repository config in " + store.describe() + " is not JSON", e);
    }
    int format = config.path("format").asInt();
    if (format != FORMAT) {
      throw new IllegalStateException("repository in " + store.describe() + " has format " + format
          + "; this Lifeboat reads format " + FORMAT);
    }
    if (!CHUNKER.equals(config.path("chunker").path("algorithm").asText())) {
      throw new IllegalStateException("repository in " + store.describe() + " uses chunker "
          + config.path("chunker").path("algorithm").asText() + ", not " + CHUNKER);
    }
    String id = config.path("id").asText();
    JsonNode c = config.path("chunker");
    ChunkerParams params = new ChunkerParams(c.path("min").asInt(), c.path("avg").asInt(), c.path("max").asInt());
    RepositoryKeys keys = RepositoryKeys.unwrap(masterKey, Base64.getDecoder().decode(config.path("dataKey").asText()), id);
    return new Repository(id, store, params, keys, 1, meters);
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
