package dev.lifeboat.replicator;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.ConfigSection;
import dev.lifeboat.config.Field;

import java.util.List;

/**
 * Whether this process runs the replicator, which copies the primary repository to every off-region
 * store ({@code stores.offsite[]}, each with its own {@link ReplicationConfig}).
 */
public record ReplicatorConfig(boolean enabled) {
  static final Field<Boolean> ENABLED = Field.bool("enabled",
      "Run the replicator in this process (when stores.offsite lists any store).").withDefault(true);

  public static ReplicatorConfig defaults() {
    return new ReplicatorConfig(true);
  }

  /** The {@code replicator} section, contributed by the replicator's plugin. */
  public static final ConfigSection<ReplicatorConfig> SECTION = ConfigSection.of("replicator", ReplicatorConfig::defaults,
      (reader, shared) -> read(reader), ReplicatorConfig::fields);

  static ReplicatorConfig read(ConfigReader r) {
    Boolean enabled = r.get(ENABLED);
    r.rejectUnknown(List.of());
    return new ReplicatorConfig(!Boolean.FALSE.equals(enabled));
  }

  static List<Field<?>> fields() {
    return List.of(ENABLED);
  }
}
