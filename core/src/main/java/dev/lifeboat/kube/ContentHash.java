package dev.lifeboat.kube;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The hash of what a restore needs from an object: every top-level field (spec, data, rules, ...)
 * and, of its metadata, name, namespace, labels, annotations, owner references and finalizers. Noise
 * is left out: uid, resourceVersion, generation, timestamps, managedFields, and (by choice) status.
 * Two objects with equal hashes restore to the same thing, so an update that does not change the
 * hash need not be published. The JSON is canonical (keys sorted) before hashing.
 *
 * <p>Sensitive objects are hashed with HMAC-SHA256 under a key derived from the data key, so the
 * hash on Kafka cannot confirm a guessed secret value.
 */
public final class ContentHash {
  private static final Set<String> KEPT_METADATA =
      Set.of("name", "namespace", "labels", "annotations", "ownerReferences", "finalizers");
  private static final ObjectMapper JSON = new ObjectMapper();

  private ContentHash() {}

  /** SHA-256 (hex) of the restore-relevant content. */
  public static String of(JsonNode object, boolean ignoreStatus) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical(object, ignoreStatus)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** HMAC-SHA256 (hex) of the restore-relevant content, for sensitive objects. */
  public static String keyed(JsonNode object, boolean ignoreStatus, byte[] dataKey) {
    try {
      Mac derive = Mac.getInstance("HmacSHA256");
      derive.init(new SecretKeySpec(dataKey, "HmacSHA256"));
      byte[] hashKey = derive.doFinal("lifeboat content hash v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(hashKey, "HmacSHA256"));
      return "hmac:" + HexFormat.of().formatHex(mac.doFinal(canonical(object, ignoreStatus)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bytes that are hashed: the relevant content as canonical JSON. */
  static byte[] canonical(JsonNode object, boolean ignoreStatus) {
    ObjectNode relevant = JSON.createObjectNode();
    object.fields().forEachRemaining(field -> {
      String name = field.getKey();
      if (name.equals("metadata")) {
        ObjectNode metadata = JSON.createObjectNode();
        field.getValue().fields().forEachRemaining(m -> {
          if (KEPT_METADATA.contains(m.getKey()) && !isEmpty(m.getValue())) {
            metadata.set(m.getKey(), m.getValue());
          }
        });
        relevant.set("metadata", metadata);
      } else if (!(ignoreStatus && name.equals("status"))) {
        relevant.set(name, field.getValue());
      }
    });
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator generator = JSON.getFactory().createGenerator(out)) {
      write(relevant, generator);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static boolean isEmpty(JsonNode node) {
    return node.isNull() || (node.isContainerNode() && node.isEmpty());
  }

  private static void write(JsonNode node, JsonGenerator generator) throws IOException {
    if (node.isObject()) {
      generator.writeStartObject();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      for (String name : names) {
        generator.writeFieldName(name);
        write(node.get(name), generator);
      }
      generator.writeEndObject();
    } else if (node.isArray()) {
      generator.writeStartArray();
      for (JsonNode element : node) {
        write(element, generator);
      }
      generator.writeEndArray();
    } else {
      generator.writeTree(node);
    }
  }
}
