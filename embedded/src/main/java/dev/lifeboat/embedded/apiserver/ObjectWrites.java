package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.embedded.apiserver.ObjectRegistry.Stored;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Create, update, patch and delete, as a real API server's generic registry does them: every
 * change of an existing object reads it, computes the new state and writes it only if the object
 * is still at the revision read (retrying otherwise, unless the client named a resourceVersion,
 * which then must be current); an unchanged object is not written; an object with finalizers is
 * marked for deletion and removed once they are gone.
 */
final class ObjectWrites {

  private static final int ATTEMPTS = 50;

  private final ObjectRegistry registry;
  private final ResourceCatalog catalog;
  private final Admission admission;
  private final NamespaceLifecycle namespaces;

  ObjectWrites(ObjectRegistry registry, ResourceCatalog catalog, Admission admission,
      NamespaceLifecycle namespaces) {
    this.registry = registry;
    this.catalog = catalog;
    this.admission = admission;
    this.namespaces = namespaces;
  }

  /** POST to a collection: 201 with the stored object. */
  ObjectNode create(ResourcePath path, ApiRequest request) {
    if (!path.isCollection() || path.subresource() != null) {
      throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    return create(path, RequestBodies.object(request), dryRun(request));
  }

  ObjectNode create(ResourcePath collection, ObjectNode body, boolean dryRun) {
    ObjectNode object = admission.create(collection, body);
    ApiResourceType type = collection.type();
    if (type.namespaced()) {
      namespaces.requireActive(collection.namespace(), type, StoredObjects.name(object));
    }
    if (dryRun) {
      return object;
    }
    ObjectNode created = registry.create(type, type.registryKey(collection.namespace(),
        StoredObjects.name(object)), object);
    afterWrite(type, created);
    return created;
  }

  /** PUT of an object, its status or its scale. */
  ObjectNode update(ResourcePath path, ApiRequest request) {
    requireObject(path);
    ObjectNode body = RequestBodies.object(request);
    if ("scale".equals(path.subresource())) {
      return Scale.of(write(main(path), current -> Scale.apply(current, body), dryRun(request)));
    }
    return write(path, current -> body, dryRun(request));
  }

  /** PATCH of an object, its status or its scale; a server-side apply creates a missing object. */
  ObjectNode patch(ResourcePath path, ApiRequest request) {
    requireObject(path);
    String type = request.contentType();
    boolean dryRun = dryRun(request);
    if ("scale".equals(path.subresource())) {
      return Scale.of(write(main(path), current ->
          Scale.apply(current, Patches.apply(type, Scale.of(current), request.body())), dryRun));
    }
    if (Patches.APPLY_PATCH.equals(type)) {
      ObjectNode applied = RequestBodies.object(request);
      if (path.subresource() == null && registry.get(path.type(), path.key()).isEmpty()) {
        StoredObjects.metadata(applied).put("name", path.name());
        return create(new ResourcePath(path.type(), path.namespace(), null, null), applied, dryRun);
      }
      return write(path, current -> (ObjectNode) Patches.merge(current, applied, true), dryRun);
    }
    return write(path, current -> Patches.apply(type, current, request.body()), dryRun);
  }

  /**
   * DELETE of an object: the Status of its removal, or the object itself while finalizers (or a
   * namespace's contents) keep it.
   */
  JsonNode delete(ResourcePath path, ApiRequest request) {
    requireObject(path);
    if (path.subresource() != null) {
      throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
    JsonNode options = request.body().length == 0 ? StoredObjects.JSON.createObjectNode()
        : StoredObjects.parseAny(request.body());
    boolean dryRun = dryRun(request) || options.path("dryRun").toString().contains("All");
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Stored current = registry.require(path);
      checkPreconditions(path, current.object(), options.path("preconditions"));
      if (dryRun) {
        return current.object();
      }
      if (path.type() == ResourceCatalog.NAMESPACES) {
        return namespaces.delete(path.name());
      }
      if (Admission.hasFinalizers(current.object())) {
        if (Admission.isDeleted(current.object())) {
          return current.object();
        }
        Optional<ObjectNode> marked =
            registry.update(path.key(), admission.markDeleted(current.object()), current.modRevision());
        if (marked.isPresent()) {
          return marked.get();
        }
        continue;
      }
      if (registry.delete(path.key(), current.modRevision())) {
        afterDelete(path.type(), current.object());
        return deleted(path.type(), current.object());
      }
    }
    throw ApiException.conflict(path.type(), path.name(), "the object keeps changing; try again");
  }

  /** DELETE of a collection: every object the selectors accept; the list of what was deleted. */
  ObjectNode deleteCollection(ResourcePath path, ApiRequest request) {
    ObjectNode list = new ObjectReads(registry).list(path, request);
    ArrayNode deleted = StoredObjects.JSON.createArrayNode();
    for (JsonNode item : list.path("items")) {
      ResourcePath one = new ResourcePath(path.type(), path.type().namespaced()
          ? StoredObjects.namespace(item) : null, StoredObjects.name(item), null);
      try {
        delete(one, new ApiRequest("DELETE", request.path(), request.query(), request.headers(), null));
        deleted.add(item);
      } catch (ApiException e) {
        if (e.code() != 404) {
          throw e;
        }
      }
    }
    list.set("items", deleted);
    StoredObjects.metadata(list).put("resourceVersion", Long.toString(registry.revision()));
    return list;
  }

  /**
   * Reads the object, computes its new state with {@code change} and writes it if the object is
   * still at the revision read; removes it when it was marked for deletion and lost its last
   * finalizer.
   */
  ObjectNode write(ResourcePath path, UnaryOperator<ObjectNode> change, boolean dryRun) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      Stored current = registry.require(path);
      ObjectNode result = admission.update(path, current.object(),
          change.apply(current.object().deepCopy()));
      if (result.equals(current.object()) || dryRun) {
        return result;
      }
      if (Admission.isDeleted(result) && !Admission.hasFinalizers(result)
          && (path.type() != ResourceCatalog.NAMESPACES || namespaces.isEmpty(path.name()))) {
        if (registry.delete(path.key(), current.modRevision())) {
          afterDelete(path.type(), result);
          return result;
        }
        continue;
      }
      Optional<ObjectNode> written = registry.update(path.key(), result, current.modRevision());
      if (written.isPresent()) {
        afterWrite(path.type(), written.get());
        return written.get();
      }
    }
    throw ApiException.conflict(path.type(), path.name(), "the object keeps changing; try again");
  }

  private void afterWrite(ApiResourceType type, ObjectNode object) {
    if (type == ResourceCatalog.CRDS) {
      catalog.define(object);
    }
  }

  /** A definition takes its custom resources with it; an emptied terminating namespace goes. */
  void afterDelete(ApiResourceType type, ObjectNode object) {
    if (type == ResourceCatalog.CRDS) {
      String name = StoredObjects.name(object);
      var served = catalog.definedBy(name);
      catalog.undefine(name);
      if (!served.isEmpty()) {
        namespaces.deleteAll(served.get(0).registryPrefix());
      }
    } else if (type.namespaced()) {
      namespaces.finishIfEmpty(StoredObjects.namespace(object));
    }
  }

  private static ObjectNode deleted(ApiResourceType type, ObjectNode object) {
    ObjectNode status = StoredObjects.JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Success");
    ObjectNode details = status.putObject("details").put("name", StoredObjects.name(object));
    if (!type.group().isEmpty()) {
      details.put("group", type.group());
    }
    details.put("kind", type.plural()).put("uid", object.path("metadata").path("uid").asText());
    return status;
  }

  private static void checkPreconditions(ResourcePath path, ObjectNode current, JsonNode preconditions) {
    String uid = preconditions.path("uid").asText("");
    String actualUid = current.path("metadata").path("uid").asText();
    if (!uid.isEmpty() && !uid.equals(actualUid)) {
      throw ApiException.conflict(path.type(), path.name(), "Precondition failed: UID in precondition: "
          + uid + ", UID in object meta: " + actualUid);
    }
    String version = preconditions.path("resourceVersion").asText("");
    String actualVersion = current.path("metadata").path("resourceVersion").asText();
    if (!version.isEmpty() && !version.equals(actualVersion)) {
      throw ApiException.conflict(path.type(), path.name(), "Precondition failed: ResourceVersion in "
          + "precondition: " + version + ", ResourceVersion in object meta: " + actualVersion);
    }
  }

  private static void requireObject(ResourcePath path) {
    if (path.isCollection()) {
      throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
    }
  }

  private static ResourcePath main(ResourcePath path) {
    return new ResourcePath(path.type(), path.namespace(), path.name(), null);
  }

  private static boolean dryRun(ApiRequest request) {
    return "All".equals(request.param("dryRun"));
  }
}
