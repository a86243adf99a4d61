package dev.lifeboat.crypto;

import dev.lifeboat.config.EncryptionConfig;
import java.util.Map;
import java.util.Optional;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/** The data keys of a process: one active key that encrypts, every configured key to decrypt. */
public final class KeyRing {
  private final String activeId;
  private final Map<String, SecretKey> keys;

  public KeyRing(String activeId, Map<String, byte[]> rawKeys) {
    if (!rawKeys.containsKey(activeId)) {
      throw new IllegalArgumentException("active key " + activeId + " is not among the keys " + rawKeys.keySet());
    }
    this.activeId = activeId;
    this.keys = rawKeys.entrySet().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(
        Map.Entry::getKey, e -> {
          if (e.getValue().length != 32) {
            throw new IllegalArgumentException("key " + e.getKey() + " is " + e.getValue().length + " bytes, AES-256 needs 32");
          }
          return new SecretKeySpec(e.getValue(), "AES");
        }));
  }

  public static KeyRing from(EncryptionConfig config) {
    return new KeyRing(config.activeKey(), config.keys());
  }

  public String activeId() {
    return activeId;
  }

  public SecretKey active() {
    return keys.get(activeId);
  }

  public Optional<SecretKey> key(String id) {
    return Optional.ofNullable(keys.get(id));
  }
}
