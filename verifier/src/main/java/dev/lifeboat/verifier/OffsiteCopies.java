package dev.lifeboat.verifier;

import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.restore.RestoreSource;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The off-region copies the verifier restores from, by store name: each repository is opened on
 * first use (its index loaded) and its index refreshed before each verification, so chunks copied
 * since are found.
 */
final class OffsiteCopies {
  private final Map<String, BlobStore> stores;
  private final byte[] masterKey;
  private final KeyRing keys;
  private final MeterRegistry meters;
  private final Map<String, RestoreSource> open = new ConcurrentHashMap<>();

  /** @param keys the data keys of sealed Secret payloads; null when none are configured */
  OffsiteCopies(Map<String, BlobStore> stores, byte[] masterKey, KeyRing keys, MeterRegistry meters) {
    this.stores = Map.copyOf(stores);
    this.masterKey = masterKey;
    this.keys = keys;
    this.meters = meters;
  }

  /** The copy in store {@code name}, ready to read; empty when no such store is configured. */
  synchronized Optional<RestoreSource> source(String name) {
    BlobStore store = stores.get(name);
    if (store == null) {
      return Optional.empty();
    }
    RestoreSource source = open.get(name);
    if (source == null) {
      source = RestoreSource.open(store, masterKey, keys, meters);
      open.put(name, source);
    } else {
      source.repository().chunks().refresh();
    }
    return Optional.of(source);
  }

  java.util.Set<String> names() {
    return stores.keySet();
  }
}
