package dev.lifeboat.config;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data keys for what must never be stored in plaintext (Secret payloads on Kafka). Several keys may
 * be configured so they can rotate: new data is encrypted with {@code activeKey}, old data is
 * decrypted with the key whose id it records.
 *
 * @param keys key id to 32-byte AES-256 key
 */
public record EncryptionConfig(String activeKey, Map<String, byte[]> keys) {
  static final Field<String> ACTIVE = Field.string("activeKey", "Id of the key that encrypts new data.");
  static final Field<String> KEY_ID = Field.string("id", "Key id, recorded with everything it encrypts.")
      .validate(id -> id.matches("[A-Za-z0-9._-]{1,64}"), "1-64 letters, digits, '.', '_' or '-'");
  static final Field<String> KEY = Field.string("key", "The key: 32 random bytes, base64; use ${ENV_VAR}.").secret()
      .validate(EncryptionConfig::isAesKey, "base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)");

  public byte[] active() {
    return keys.get(activeKey);
  }

  static EncryptionConfig read(ConfigReader r) {
    String active = r.get(ACTIVE);
    Map<String, byte[]> keys = new LinkedHashMap<>();
    for (ConfigReader k : r.sections("keys")) {
      String id = k.get(KEY_ID);
      String key = k.get(KEY);
      k.rejectUnknown(List.of());
      if (id != null && key != null) {
        keys.put(id, Base64.getDecoder().decode(key.trim()));
      }
    }
    if (active != null && !keys.containsKey(active)) {
      r.reportProblem("activeKey", "= \"" + active + "\" names no key under encryption.keys; known: " + new ArrayList<>(keys.keySet()));
    }
    r.rejectUnknown(List.of());
    return new EncryptionConfig(active, Map.copyOf(keys));
  }

  private static boolean isAesKey(String value) {
    try {
      return Base64.getDecoder().decode(value.trim()).length == 32;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  static List<Field<?>> fields() {
    return List.of(ACTIVE, KEY_ID, KEY);
  }

  @Override
  public String toString() {
    return "EncryptionConfig[activeKey=" + activeKey + ", keys=" + keys.keySet() + "]";
  }
}
