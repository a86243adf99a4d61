package dev.lifeboat.config;

import java.time.Duration;
import java.util.List;

/**
 * Which snapshots each target keeps, and how often garbage collection removes what no kept snapshot
 * needs. A snapshot is kept if any rule keeps it: the last {@code keepLast}, and the newest of each of
 * the last {@code hourly} hours, {@code daily} days, {@code weekly} ISO weeks and {@code monthly} months
 * that have snapshots (restic's {@code forget} rules). The newest snapshot of a target is always kept.
 *
 * @param gcEvery time between retention and garbage collection runs; zero: never
 * @param gcSafetyDelay how long a chunk planned for deletion stays before it is deleted; a snapshot
 *     that reused it meanwhile keeps it. A snapshot that outlives it and reused a chunk the collection
 *     deletes withdraws its manifest and is retried: the delay makes that rare, it does not make it safe.
 */
public record RetentionConfig(int keepLast, int hourly, int daily, int weekly, int monthly, Duration gcEvery,
    Duration gcSafetyDelay) {
  static final Field<Integer> KEEP_LAST = Field.integer("keepLast", "Keep the last N snapshots of each target.")
      .withDefault(10).validate(n -> n >= 1 && n <= 100_000, "1 to 100000");
  static final Field<Integer> HOURLY = Field.integer("hourly", "Keep the newest snapshot of each of the last N hours.")
      .withDefault(24).validate(n -> n >= 0, "0 or more");
  static final Field<Integer> DAILY = Field.integer("daily", "Keep the newest snapshot of each of the last N days.")
      .withDefault(7).validate(n -> n >= 0, "0 or more");
  static final Field<Integer> WEEKLY = Field.integer("weekly", "Keep the newest snapshot of each of the last N weeks.")
      .withDefault(4).validate(n -> n >= 0, "0 or more");
  static final Field<Integer> MONTHLY = Field.integer("monthly", "Keep the newest snapshot of each of the last N months.")
      .withDefault(12).validate(n -> n >= 0, "0 or more");
  static final Field<Duration> GC_EVERY = Field.duration("gcEvery",
      "Time between retention and garbage collection runs (by the cluster-wide snapshotter); 0s: never.")
      .withDefault(Duration.ofHours(6));
  static final Field<Duration> GC_SAFETY_DELAY = Field.duration("gcSafetyDelay",
      "How long chunks stay planned for deletion before they are deleted. A snapshot that outlives it and reused a "
          + "chunk the collection deletes withdraws its manifest and is retried; most snapshots should take less.")
      .withDefault(Duration.ofHours(2)).validate(d -> !d.isNegative(), "0s or more");

  public static RetentionConfig defaults() {
    return new RetentionConfig(10, 24, 7, 4, 12, Duration.ofHours(6), Duration.ofHours(2));
  }

  static RetentionConfig read(ConfigReader r) {
    RetentionConfig d = defaults();
    RetentionConfig c = new RetentionConfig(or(r.get(KEEP_LAST), d.keepLast()), or(r.get(HOURLY), d.hourly()),
        or(r.get(DAILY), d.daily()), or(r.get(WEEKLY), d.weekly()), or(r.get(MONTHLY), d.monthly()),
        r.get(GC_EVERY) == null ? d.gcEvery() : r.get(GC_EVERY),
        r.get(GC_SAFETY_DELAY) == null ? d.gcSafetyDelay() : r.get(GC_SAFETY_DELAY));
    r.rejectUnknown(List.of());
    return c;
  }

  static List<Field<?>> fields() {
    return List.of(KEEP_LAST, HOURLY, DAILY, WEEKLY, MONTHLY, GC_EVERY, GC_SAFETY_DELAY);
  }

  private static int or(Integer value, int fallback) {
    return value == null ? fallback : value;
  }
}
