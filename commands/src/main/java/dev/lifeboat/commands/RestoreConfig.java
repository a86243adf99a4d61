package dev.lifeboat.commands;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.ConfigSection;
import dev.lifeboat.config.Field;
import dev.lifeboat.restore.DataMoverSettings;
import java.time.Duration;
import java.util.List;

/**
 * How the commands worker's restores write volume data into the claims they create: the data-mover
 * pods ({@code restore} section).
 *
 * @param dataMover the mover pods' image, how long one may take to start, how many run at once
 */
public record RestoreConfig(DataMoverSettings dataMover) {
  static final Field<String> DATA_MOVER_IMAGE = Field.string("dataMoverImage",
      "Image of the pods that write a restored claim's files (Lifeboat's own image; a mirror or a private registry"
          + " holding it). When not set, the environment variable " + DataMoverSettings.IMAGE_VARIABLE
          + " names it, else " + DataMoverSettings.DEFAULT_IMAGE + ".").optional();
  static final Field<Duration> DATA_MOVER_START_TIMEOUT = Field.duration("dataMoverStartTimeout",
      "How long a data-mover pod may take to run (its claim to bind, its image to pull) before the claim's restore"
          + " fails.").withDefault(DataMoverSettings.DEFAULT_START_TIMEOUT)
      .validate(d -> !d.isNegative() && !d.isZero(), "more than 0s");
  static final Field<Integer> DATA_MOVERS_AT_ONCE = Field.integer("dataMoversAtOnce",
      "Claims filled at the same time, each by a data-mover pod of its own.")
      .withDefault(DataMoverSettings.DEFAULT_MOVERS_AT_ONCE).validate(n -> n >= 1 && n <= 64, "1 to 64");

  static final Field<Boolean> DATA_MOVER_OWNERS = Field.bool("dataMoverOwners",
      "Give restored files their recorded owners (uid and gid). The data-mover pods then run as root with the CHOWN"
          + " and FOWNER capabilities alone; off, they run as user 65532 with none and the files are theirs.")
      .withDefault(false);

  /** The {@code restore} section, contributed by the commands worker's plugin. */
  public static final ConfigSection<RestoreConfig> SECTION = ConfigSection.of("restore", RestoreConfig::defaults,
      (reader, shared) -> read(reader), RestoreConfig::fields);

  /** The environment's image (or Lifeboat's), the default timeout and movers at once. */
  public static RestoreConfig defaults() {
    return new RestoreConfig(DataMoverSettings.fromEnvironment());
  }

  static RestoreConfig read(ConfigReader r) {
    String image = r.get(DATA_MOVER_IMAGE);
    Duration startTimeout = r.get(DATA_MOVER_START_TIMEOUT);
    Integer atOnce = r.get(DATA_MOVERS_AT_ONCE);
    Boolean owners = r.get(DATA_MOVER_OWNERS);
    r.rejectUnknown(List.of());
    DataMoverSettings fromEnvironment = DataMoverSettings.fromEnvironment();
    return new RestoreConfig(new DataMoverSettings(image == null || image.isBlank() ? fromEnvironment.image() : image.trim(),
        startTimeout == null ? DataMoverSettings.DEFAULT_START_TIMEOUT : startTimeout,
        atOnce == null ? DataMoverSettings.DEFAULT_MOVERS_AT_ONCE : atOnce, Boolean.TRUE.equals(owners)));
  }

  static List<Field<?>> fields() {
    return List.of(DATA_MOVER_IMAGE, DATA_MOVER_START_TIMEOUT, DATA_MOVERS_AT_ONCE, DATA_MOVER_OWNERS);
  }
}
