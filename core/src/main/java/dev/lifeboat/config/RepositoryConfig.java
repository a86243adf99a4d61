package dev.lifeboat.config;

import java.util.Base64;
import java.util.List;

/**
 * The repository's master key: it wraps the repository's data key, and everything that reads or
 * writes the repository needs it (the snapshotter, the verifier, restores, the CLI's listings), never
 * the replicator (which copies sealed bytes). Losing it loses every backup.
 *
 * <p>It was once {@code snapshotter.masterKey}; a file that still sets it there is read as before.
 */
public record RepositoryConfig(byte[] masterKey) {
  static final Field<String> MASTER_KEY = Field.string("masterKey",
      "Master key of the repository: base64 of 32 random bytes; use ${ENV_VAR}. Losing it loses every backup.").optional().secret()
      .validate(RepositoryConfig::decodes, "base64 of exactly 32 bytes (e.g. `openssl rand -base64 32`)");

  /** A configuration without a master key (the replicator alone needs none). */
  public static RepositoryConfig none() {
    return new RepositoryConfig(null);
  }

  static RepositoryConfig read(ConfigReader root) {
    ConfigReader section = root.section("repository");
    String key = section.get(MASTER_KEY);
    section.rejectUnknown(List.of());
    if (key == null && root.has("snapshotter")) {
      key = root.section("snapshotter").get(MASTER_KEY); // where it was before the repository had a section
    }
    return new RepositoryConfig(key == null ? null : Base64.getDecoder().decode(key.trim()));
  }

  static List<Field<?>> fields() {
    return List.of(MASTER_KEY);
  }

  /** The field as the snapshotter section still accepts it, for files written before this section. */
  public static Field<String> legacyMasterKey() {
    return Field.string("masterKey", "Deprecated: use repository.masterKey (read from here when that is absent).").optional().secret();
  }

  static boolean decodes(String key) {
    try {
      return Base64.getDecoder().decode(key.trim()).length == 32;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public String toString() {
    return "RepositoryConfig[masterKey=" + (masterKey == null ? "none" : "***") + "]";
  }
}
