package dev.lifeboat.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.chunk.RepositoryKeys;
import java.io.IOException;
import java.util.Base64;

/**
 * A repository's {@code config}, read and its data key unwrapped with the master key: what every
 * reader of the repository needs before anything else. Reading it lists and writes nothing, so it
 * suits readers that must leave the repository as it is (a copy in another store, a check).
 *
 * @param id the repository's id, authenticated with its keys
 * @param chunker the chunker parameters every writer of this repository uses
 * @param keys the naming and encryption keys derived from the data key
 */
public record ConfigFile(String id, ChunkerParams chunker, RepositoryKeys keys) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The config in {@code store}; {@link IllegalStateException} naming the store when there is none,
   * it is not JSON, or it has another format or chunker; the master key's failure to unwrap the data
   * key as {@link RepositoryKeys#unwrap} reports it.
   */
  public static ConfigFile read(BlobStore store, byte[] masterKey) {
    byte[] raw = store.get(Repository.CONFIG).orElseThrow(() -> new IllegalStateException("no repository in "
        + store.describe() + " (its config is missing)"));
    return parse(store, raw, masterKey);
  }

  /** The config in {@code store}, empty when it holds no repository; failures as {@link #read}. */
  public static java.util.Optional<ConfigFile> readIfPresent(BlobStore store, byte[] masterKey) {
    return store.get(Repository.CONFIG).map(raw -> parse(store, raw, masterKey));
  }

  static ConfigFile parse(BlobStore store, byte[] raw, byte[] masterKey) {
    JsonNode config;
    try {
      config = JSON.readTree(raw);
    } catch (IOException e) {
      throw new IllegalStateException("the repository config in " + store.describe() + " is not JSON", e);
    }
    int format = config.path("format").asInt();
    if (format != Repository.FORMAT) {
      throw new IllegalStateException("repository in " + store.describe() + " has format " + format
          + "; this Lifeboat reads format " + Repository.FORMAT + (format == 1
          ? " (format 1, one object per chunk, was written by a development version before packs: start a new"
              + " repository under another prefix)" : ""));
    }
    if (!Repository.CHUNKER.equals(config.path("chunker").path("algorithm").asText())) {
      throw new IllegalStateException("repository in " + store.describe() + " uses chunker "
          + config.path("chunker").path("algorithm").asText() + ", not " + Repository.CHUNKER);
    }
    String id = config.path("id").asText();
    JsonNode c = config.path("chunker");
    ChunkerParams params = new ChunkerParams(c.path("min").asInt(), c.path("avg").asInt(), c.path("max").asInt());
    RepositoryKeys keys = RepositoryKeys.unwrap(masterKey, Base64.getDecoder().decode(config.path("dataKey").asText()), id);
    return new ConfigFile(id, params, keys);
  }

  /** A codec of this repository's chunks, manifests, index files and segments, compressing at {@code zstdLevel}. */
  public ChunkCodec codec(int zstdLevel) {
    return new ChunkCodec(keys, zstdLevel);
  }
}
