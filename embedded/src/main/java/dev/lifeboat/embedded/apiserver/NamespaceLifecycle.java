package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.embedded.apiserver.ObjectRegistry.Stored;
import dev.lifeboat.embedded.apiserver.RegistryStore.Entry;
import java.util.Optional;
import java.util.Set;

/**
 * Namespaces as a real cluster runs them: content can be created only in a namespace that exists
 * and is not terminating; deleting a namespace marks it {@code Terminating}, deletes every
 * namespaced object in it (what the namespace controller does), and removes the namespace once
 * nothing is left; an object held by finalizers holds the namespace until they are removed. The
 * namespaces {@code default}, {@code kube-system} and {@code kube-public} cannot be deleted.
 *
 * <p>Unlike a real cluster, the contents are deleted before the DELETE request is answered, so
 * a namespace without finalizers in it is gone when {@code kubectl delete namespace} returns.
 */
final class NamespaceLifecycle {

  private static final Set<String> PROTECTED = Set.of("default", "kube-system", "kube-public");
  private static final int ATTEMPTS = 50;

  private final ObjectRegistry registry;
  private final ResourceCatalog catalog;
  private final Admission admission;

  NamespaceLifecycle(ObjectRegistry registry, ResourceCatalog catalog, Admission admission) {
    this.registry = registry;
    this.catalog = catalog;
    this.admission = admission;
  }

  /** 404 if the namespace does not exist, 403 if it is terminating. */
  void requireActive(String namespace, ApiResourceType type, String name) {
    Optional<Stored> stored = registry.get(ResourceCatalog.NAMESPACES, key(namespace));
    if (stored.isEmpty()) {
      throw ApiException.notFound(ResourceCatalog.NAMESPACES, namespace);
    }
    if (Admission.isDeleted(stored.get().object())) {
      throw ApiException.forbidden(type.qualifiedName() + " \"" + name + "\" is forbidden: unable to "
          + "create new content in namespace " + namespace + " because it is being terminated");
    }
  }

  /** Deletes a namespace with everything in it; the namespace as it is left (or was last). */
  ObjectNode delete(String namespace) {
    if (PROTECTED.contains(namespace)) {
      throw ApiException.forbidden("namespaces \"" + namespace + "\" is forbidden: this namespace may not be deleted");
    }
    ObjectNode terminating = markTerminating(namespace);
    for (ApiResourceType type : catalog.namespacedStorage()) {
      deleteAll(type.registryPrefix() + namespace + "/");
    }
    finishIfEmpty(namespace);
    return terminating;
  }

  /** Whether no namespaced object is left in {@code namespace}. */
  boolean isEmpty(String namespace) {
    for (ApiResourceType type : catalog.namespacedStorage()) {
      if (!registry.store().list(type.registryPrefix() + namespace + "/", null, 1).entries().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /** Removes a terminating namespace once it is empty and has no finalizers of its own. */
  void finishIfEmpty(String namespace) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Optional<Stored> stored = registry.get(ResourceCatalog.NAMESPACES, key(namespace));
      if (stored.isEmpty() || !Admission.isDeleted(stored.get().object())
          || Admission.hasFinalizers(stored.get().object()) || !isEmpty(namespace)) {
        return;
      }
      if (registry.delete(key(namespace), stored.get().modRevision())) {
        return;
      }
    }
  }

  /** Deletes every object under {@code prefix}; those with finalizers are marked for deletion. */
  void deleteAll(String prefix) {
    for (Entry entry : registry.store().list(prefix, null, 0).entries()) {
      for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
        Optional<RegistryStore.Entry> current = registry.store().get(entry.key());
        if (current.isEmpty()) {
          break;
        }
        ObjectNode object = StoredObjects.decode(current.get().value(), current.get().modRevision(), null);
        long revision = current.get().modRevision();
        boolean done;
        if (Admission.hasFinalizers(object)) {
          done = Admission.isDeleted(object)
              || registry.update(entry.key(), admission.markDeleted(object), revision).isPresent();
        } else {
          done = registry.delete(entry.key(), revision);
        }
        if (done) {
          break;
        }
      }
    }
  }

  private ObjectNode markTerminating(String namespace) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Stored current = registry.require(new ResourcePath(ResourceCatalog.NAMESPACES, null, namespace, null));
      if (Admission.isDeleted(current.object())) {
        return current.object();
      }
      ObjectNode marked = admission.markDeleted(current.object());
      marked.with("status").put("phase", "Terminating");
      Optional<ObjectNode> written = registry.update(key(namespace), marked, current.modRevision());
      if (written.isPresent()) {
        return written.get();
      }
    }
    throw ApiException.conflict(ResourceCatalog.NAMESPACES, namespace, "the namespace keeps changing; try again");
  }

  private static String key(String namespace) {
    return ResourceCatalog.NAMESPACES.registryKey(null, namespace);
  }
}
