package dev.lifeboat.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts the payload of sensitive Kubernetes objects (a Secret's {@code data} and {@code
 * stringData}, and any other top-level field of a kind configured as sensitive) with AES-256-GCM, so
 * no secret value reaches Kafka in plaintext. Each sealed field becomes the string {@code
 * lifeboat:aes256gcm:v1:<key id>:<base64 of nonce, ciphertext and tag>}; the object's identity and
 * the field's name are authenticated with it, so a sealed value cannot be moved to another object
 * or field. {@code kubectl}'s last-applied-configuration annotation, which repeats the payload, is
 * sealed too. Names of keys inside a field are sealed with their values.
 */
public final class FieldSealer {
  public static final String PREFIX = "lifeboat:aes256gcm:v1:";
  static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
  private static final Set<String> CLEAR_FIELDS = Set.of("apiVersion", "kind", "metadata", "type", "immutable");
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KeyRing keys;
  private final SecureRandom random = new SecureRandom();

  public FieldSealer(KeyRing keys) {
    this.keys = keys;
  }

  public String activeKeyId() {
    return keys.activeId();
  }

  /** A copy of {@code object} with its payload sealed; {@code identity} is the object's record key. */
  public ObjectNode seal(ObjectNode object, String identity) {
    ObjectNode sealed = object.deepCopy();
    for (String field : payloadFields(sealed)) {
      sealed.set(field, new TextNode(encrypt(sealed.get(field).toString(), identity + "#" + field)));
    }
    JsonNode annotations = sealed.path("metadata").path("annotations");
    if (annotations.isObject() && annotations.has(LAST_APPLIED)) {
      ((ObjectNode) annotations).put(LAST_APPLIED, encrypt(annotations.get(LAST_APPLIED).asText(), identity + "#" + LAST_APPLIED));
    }
    return sealed;
  }

  /** The object as it was before {@link #seal}; fails if a value was altered or moved. */
  public ObjectNode unseal(ObjectNode object, String identity) {
    ObjectNode open = object.deepCopy();
    List<String> fields = new ArrayList<>();
    open.fieldNames().forEachRemaining(fields::add);
    try {
      for (String field : fields) {
        JsonNode value = open.get(field);
        if (value.isTextual() && value.asText().startsWith(PREFIX)) {
          open.set(field, JSON.readTree(decrypt(value.asText(), identity + "#" + field)));
        }
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a sealed field of " + identity + " does not hold JSON", e);
    }
    JsonNode annotations = open.path("metadata").path("annotations");
    if (annotations.isObject() && annotations.path(LAST_APPLIED).asText().startsWith(PREFIX)) {
      ((ObjectNode) annotations).put(LAST_APPLIED, decrypt(annotations.get(LAST_APPLIED).asText(), identity + "#" + LAST_APPLIED));
    }
    return open;
  }

  private static List<String> payloadFields(ObjectNode object) {
    List<String> fields = new ArrayList<>();
    object.fieldNames().forEachRemaining(name -> {
      if (!CLEAR_FIELDS.contains(name) && !object.get(name).isNull()) {
        fields.add(name);
      }
    });
    return fields;
  }

  String encrypt(String plaintext, String context) {
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, keys.active(), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
      return PREFIX + keys.activeId() + ":" + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  String decrypt(String sealed, String context) {
    String rest = sealed.substring(PREFIX.length());
    int colon = rest.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("malformed sealed value for " + context);
    }
    String keyId = rest.substring(0, colon);
    SecretKey key = keys.key(keyId).orElseThrow(() -> new IllegalArgumentException(
        context + " was encrypted with key '" + keyId + "', which is not configured"));
    byte[] bytes = Base64.getDecoder().decode(rest.substring(colon + 1));
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, bytes, 0, NONCE_BYTES));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return new String(cipher.doFinal(bytes, NONCE_BYTES, bytes.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalArgumentException(context + ": authentication failed (altered, moved, or wrong key)", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot decrypt " + context, e);
    }
  }
}
