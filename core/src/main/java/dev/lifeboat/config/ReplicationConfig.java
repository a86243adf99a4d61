package dev.lifeboat.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How the replicator copies to one off-region store: how many objects at once, how fast at most, and
 * whether copied objects are locked against deletion (S3 Object Lock).
 *
 * @param parallelism objects copied to this store at once
 * @param bandwidthBytesPerSecond the most this store is sent per second, all copies together; 0: no limit
 * @param objectLock retention set on every object copied to this store, if any
 */
public record ReplicationConfig(int parallelism, long bandwidthBytesPerSecond, Optional<ObjectLock> objectLock) {
  public static final int DEFAULT_PARALLELISM = 4;
  private static final Pattern RATE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|kB|KB|KiB|MB|MiB|GB|GiB)/s");

  static final Field<Integer> PARALLELISM = Field.integer("parallelism",
      "Objects the replicator copies to this store at once.")
      .withDefault(DEFAULT_PARALLELISM).validate(n -> n >= 1 && n <= 64, "1 to 64");
  static final Field<String> BANDWIDTH_LIMIT = Field.string("bandwidthLimit",
      "Most the replicator sends to this store per second, all copies together; absent: no limit.").optional()
      .validate(v -> parseRate(v) > 0, "a rate such as 50MB/s, 500KiB/s or 1GB/s (units B, kB, MB, GB, KiB, MiB, GiB)");
  static final Field<String> OBJECT_LOCK_MODE = Field.string("objectLockMode",
      "S3 Object Lock retention on every object copied here (the bucket must have Object Lock enabled); absent: none.")
      .optional().validate(v -> v.equalsIgnoreCase("governance") || v.equalsIgnoreCase("compliance"), "governance or compliance");
  static final Field<Integer> OBJECT_LOCK_DAYS = Field.integer("objectLockDays",
      "Days each copied object is retained under objectLockMode.").optional()
      .validate(n -> n >= 1 && n <= 36_500, "1 to 36500");

  public ReplicationConfig {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
    }
    if (bandwidthBytesPerSecond < 0) {
      throw new IllegalArgumentException("bandwidth must not be negative, was " + bandwidthBytesPerSecond);
    }
  }

  /** S3 Object Lock's two retention modes: governance can be lifted by a privileged user, compliance by nobody. */
  public enum LockMode {
    GOVERNANCE,
    COMPLIANCE
  }

  /** Retention of copied objects: {@code mode} for {@code days} after the copy. */
  public record ObjectLock(LockMode mode, int days) {}

  /** 4 objects at once, no bandwidth limit, no Object Lock. */
  public static ReplicationConfig defaults() {
    return new ReplicationConfig(DEFAULT_PARALLELISM, 0, Optional.empty());
  }

  static ReplicationConfig read(ConfigReader r) {
    Integer parallelism = r.get(PARALLELISM);
    String rate = r.get(BANDWIDTH_LIMIT);
    String mode = r.get(OBJECT_LOCK_MODE);
    Integer days = r.get(OBJECT_LOCK_DAYS);
    if (r.has(OBJECT_LOCK_MODE.name()) != r.has(OBJECT_LOCK_DAYS.name())) {
      r.reportProblem(r.has(OBJECT_LOCK_MODE.name()) ? OBJECT_LOCK_DAYS.name() : OBJECT_LOCK_MODE.name(),
          "is required with " + (r.has(OBJECT_LOCK_MODE.name()) ? OBJECT_LOCK_MODE.name() : OBJECT_LOCK_DAYS.name())
              + ": Object Lock needs a mode (governance or compliance) and a number of days");
    }
    Optional<ObjectLock> lock = mode != null && days != null
        ? Optional.of(new ObjectLock(LockMode.valueOf(mode.toUpperCase(Locale.ROOT)), days)) : Optional.empty();
    return new ReplicationConfig(parallelism == null ? DEFAULT_PARALLELISM : parallelism,
        rate == null ? 0 : Math.max(0, parseRate(rate)), lock);
  }

  static List<Field<?>> fields() {
    return List.of(PARALLELISM, BANDWIDTH_LIMIT, OBJECT_LOCK_MODE, OBJECT_LOCK_DAYS);
  }

  /** Bytes per second of a rate such as {@code 50MB/s} (decimal units) or {@code 64MiB/s} (binary); -1 if it is none. */
  public static long parseRate(String text) {
    Matcher m = RATE.matcher(text.trim());
    if (!m.matches()) {
      return -1;
    }
    double value = Double.parseDouble(m.group(1));
    long unit = switch (m.group(2)) {
      case "B" -> 1L;
      case "kB", "KB" -> 1000L;
      case "KiB" -> 1024L;
      case "MB" -> 1000L * 1000;
      case "MiB" -> 1024L * 1024;
      case "GB" -> 1000L * 1000 * 1000;
      default -> 1024L * 1024 * 1024;
    };
    return (long) (value * unit);
  }
}
