package dev.lifeboat.repository.resources;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeboat.events.v1.ResourceChanged;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Objects;

/**
 * One Kubernetes object as a resource snapshot stores it: one line of JSON, its fields always in the
 * same order, so an object that did not change is written as the same bytes and a namespace that did
 * not change deduplicates to the chunks already stored. Sensitive payloads stay as the watcher sealed
 * them; {@code encryptionKeyId} names the key that opens them.
 *
 * <pre>{"key":"prod/shop/apps/Deployment/web","group":"apps","version":"v1","kind":"Deployment",
 *  "namespace":"shop","name":"web","uid":"…","resourceVersion":"42","observedAt":"2026-…Z",
 *  "contentHash":"…","encryptionKeyId":null,"object":{…}}</pre>
 *
 * @param namespace null for cluster-scoped objects
 * @param object the object as compact JSON; null when the change carried none
 */
public record ResourceDocument(String key, String group, String version, String kind, String namespace, String name,
    String uid, String resourceVersion, Instant observedAt, String contentHash, String encryptionKeyId, String object) {

  /** The name under which cluster-scoped objects are grouped (no namespace can be called this). */
  public static final String CLUSTER_SCOPED = "_cluster";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  public ResourceDocument {
    Objects.requireNonNull(key, "key");
  }

  /**
   * The document of an ADDED or MODIFIED change.
   *
   * @throws IllegalArgumentException when the change's object is not JSON
   */
  public static ResourceDocument of(String key, ResourceChanged change) {
    String object = null;
    if (change.getObject() != null) {
      byte[] bytes = new byte[change.getObject().remaining()];
      change.getObject().duplicate().get(bytes);
      object = compact(key, bytes);
    }
    return new ResourceDocument(key, change.getGroup(), change.getVersion(), change.getKind(), change.getNamespace(),
        change.getName(), change.getUid(), change.getResourceVersion(), change.getObservedAt(), change.getContentHash(),
        change.getEncryptionKeyId(), object);
  }

  /** The group a snapshot files this object under: its namespace, or {@link #CLUSTER_SCOPED}. */
  public String namespaceOrCluster() {
    return namespace == null || namespace.isEmpty() ? CLUSTER_SCOPED : namespace;
  }

  /** The namespace part of a record key {@code cluster/namespace/group/kind/name}, or {@link #CLUSTER_SCOPED}. */
  public static String namespaceOfKey(String key) {
    int first = key.indexOf('/');
    int second = first < 0 ? -1 : key.indexOf('/', first + 1);
    if (second < 0) {
      throw new IllegalArgumentException("not an object key (cluster/namespace/group/kind/name): " + key);
    }
    String namespace = key.substring(first + 1, second);
    return namespace.isEmpty() ? CLUSTER_SCOPED : namespace;
  }

  /** The document as one line of JSON, newline included. */
  public byte[] toLine() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + (object == null ? 0 : object.length()));
    try (JsonGenerator json = FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("key", key);
      json.writeStringField("group", group);
      json.writeStringField("version", version);
      json.writeStringField("kind", kind);
      json.writeStringField("namespace", namespace);
      json.writeStringField("name", name);
      json.writeStringField("uid", uid);
      json.writeStringField("resourceVersion", resourceVersion);
      json.writeStringField("observedAt", observedAt == null ? null : observedAt.toString());
      json.writeStringField("contentHash", contentHash);
      json.writeStringField("encryptionKeyId", encryptionKeyId);
      json.writeFieldName("object");
      if (object == null) {
        json.writeNull();
      } else {
        json.writeRawValue(object);
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  /** Reads a line written by {@link #toLine()} (with or without its newline). */
  public static ResourceDocument parse(String line) {
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a resource document: " + e.getMessage(), e);
    }
    if (node == null || !node.isObject() || !node.hasNonNull("key")) {
      throw new IllegalArgumentException("not a resource document (no key)");
    }
    JsonNode object = node.get("object");
    String observed = text(node, "observedAt");
    return new ResourceDocument(node.get("key").asText(), text(node, "group"), text(node, "version"),
        text(node, "kind"), text(node, "namespace"), text(node, "name"), text(node, "uid"),
        text(node, "resourceVersion"), observed == null ? null : Instant.parse(observed), text(node, "contentHash"),
        text(node, "encryptionKeyId"), object == null || object.isNull() ? null : object.toString());
  }

  /**
   * The key of a line written by {@link #toLine()}, without building the document: the line is read
   * token by token to its end, so a line that is not one JSON object with a string {@code key} is
   * refused as {@link #parse} would refuse it.
   *
   * @throws IllegalArgumentException when the line is not a resource document
   */
  public static String keyOfLine(byte[] line) {
    String key = null;
    try (JsonParser json = FACTORY.createParser(line)) {
      if (json.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a resource document: not a JSON object");
      }
      for (JsonToken token = json.nextToken(); token == JsonToken.FIELD_NAME; token = json.nextToken()) {
        String field = json.currentName();
        JsonToken value = json.nextToken();
        if ("key".equals(field) && value == JsonToken.VALUE_STRING) {
          key = json.getText();
        } else {
          json.skipChildren();
        }
      }
      if (json.currentToken() != JsonToken.END_OBJECT || json.nextToken() != null) {
        throw new IllegalArgumentException("not a resource document: more than one JSON value on a line");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a resource document: " + e.getMessage(), e);
    }
    if (key == null) {
      throw new IllegalArgumentException("not a resource document (no key)");
    }
    return key;
  }

  /** The same document without its object (what is known of it besides its body). */
  public ResourceDocument withoutObject() {
    return object == null ? this : new ResourceDocument(key, group, version, kind, namespace, name, uid, resourceVersion,
        observedAt, contentHash, encryptionKeyId, null);
  }

  /** The object as a JSON tree. */
  public JsonNode objectTree() {
    try {
      return object == null ? null : JSON.readTree(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  /**
   * The object re-written compactly (one line, whatever its original layout), token by token rather
   * than through a tree (the same text {@code readTree(bytes).toString()} gives, at a fraction of the
   * cost); refuses what is not JSON. Like {@code readTree}, only the first value is read.
   */
  static String compact(String key, byte[] bytes) {
    StringWriter out = new StringWriter(bytes.length);
    try (JsonParser in = FACTORY.createParser(bytes); JsonGenerator json = FACTORY.createGenerator(out)) {
      if (in.nextToken() == null) {
        throw new IllegalArgumentException("the object of " + key + " is empty");
      }
      json.copyCurrentStructure(in);
    } catch (IOException e) {
      throw new IllegalArgumentException("the object of " + key + " is not JSON: " + e.getMessage(), e);
    }
    return out.toString();
  }
}
