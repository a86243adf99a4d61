package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.embedded.apiserver.RegistryStore.Entry;
import dev.lifeboat.embedded.apiserver.RegistryStore.Page;
import dev.lifeboat.embedded.apiserver.RegistryStore.Write;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The store, holding objects: what the handlers read and conditionally write. */
final class ObjectRegistry {

  /** An object as stored, with the revision a conditional write must name. */
  record Stored(ObjectNode object, long modRevision) {}

  /** Objects in key order and the revision they were read at; {@code next} continues the list. */
  record Listed(List<ObjectNode> items, long revision, String next) {}

  private final RegistryStore store;

  ObjectRegistry(RegistryStore store) {
    this.store = store;
  }

  RegistryStore store() {
    return store;
  }

  Optional<Stored> get(ApiResourceType type, String key) {
    return store.get(key).map(e -> stored(e, type));
  }

  Stored require(ResourcePath path) {
    return get(path.type(), path.key())
        .orElseThrow(() -> ApiException.notFound(path.type(), path.name()));
  }

  /** Stores a new object; 409 AlreadyExists if its key is taken. */
  ObjectNode create(ApiResourceType type, String key, ObjectNode object) {
    Write write = store.create(key, StoredObjects.encode(object));
    if (!write.succeeded()) {
      throw ApiException.alreadyExists(type, StoredObjects.name(object));
    }
    return served(object, write.revision());
  }

  /** Replaces the object last changed at {@code modRevision}; empty if it changed since. */
  Optional<ObjectNode> update(String key, ObjectNode object, long modRevision) {
    Write write = store.update(key, StoredObjects.encode(object), modRevision);
    return write.succeeded() ? Optional.of(served(object, write.revision())) : Optional.empty();
  }

  /** Removes the object last changed at {@code modRevision}; false if it changed since. */
  boolean delete(String key, long modRevision) {
    return store.delete(key, modRevision).succeeded();
  }

  /**
   * Up to {@code limit} objects under {@code prefix} that {@code selector} accepts (0 for all),
   * after the key {@code continueAfter}.
   */
  Listed list(ApiResourceType type, String prefix, Selector selector, int limit, String continueAfter) {
    List<ObjectNode> items = new ArrayList<>();
    String after = continueAfter;
    long revision = -1;
    while (true) {
      int want = limit <= 0 ? 0 : Math.max(limit - items.size(), 1);
      Page page = store.list(prefix, after, want);
      if (revision < 0) {
        revision = page.revision();
      }
      for (Entry entry : page.entries()) {
        after = entry.key();
        ObjectNode object = stored(entry, type).object();
        if (selector.test(object)) {
          items.add(object);
        }
      }
      if (!page.more()) {
        return new Listed(items, revision, null);
      }
      if (limit > 0 && items.size() >= limit) {
        return new Listed(items, revision, after);
      }
    }
  }

  long revision() {
    return store.revision();
  }

  private static Stored stored(Entry entry, ApiResourceType type) {
    return new Stored(StoredObjects.decode(entry.value(), entry.modRevision(), type), entry.modRevision());
  }

  private static ObjectNode served(ObjectNode object, long revision) {
    ObjectNode copy = object.deepCopy();
    StoredObjects.metadata(copy).put("resourceVersion", Long.toString(revision));
    return copy;
  }
}
