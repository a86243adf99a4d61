package dev.lifeboat.repository.gc;

import dev.lifeboat.config.RetentionConfig;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Decides which snapshots of one target to keep, from their ids alone (ids start with their UTC
 * time, {@code 20260101T120000Z-3f9a1c}). A snapshot whose id carries no time is always kept: what
 * cannot be dated is not deleted.
 */
public final class RetentionPolicy {
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final RetentionConfig config;

  public RetentionPolicy(RetentionConfig config) {
    this.config = config;
  }

  /** Each snapshot id with why it is kept, or null when it may go. */
  public Map<String, String> decide(List<String> snapshotIds) {
    List<String> dated = new ArrayList<>();
    Map<String, String> decisions = new LinkedHashMap<>();
    for (String id : snapshotIds) {
      if (time(id) == null) {
        decisions.put(id, "its id carries no time");
      } else {
        dated.add(id);
      }
    }
    dated.sort(Comparator.comparing(RetentionPolicy::time).reversed());
    for (int i = 0; i < dated.size(); i++) {
      if (i < config.keepLast()) {
        decisions.put(dated.get(i), i == 0 ? "newest" : "last " + config.keepLast());
      }
    }
    keepNewestPer(dated, config.hourly(), t -> t.toLocalDate() + "T" + t.getHour(), "hourly", decisions);
    keepNewestPer(dated, config.daily(), t -> t.toLocalDate().toString(), "daily", decisions);
    keepNewestPer(dated, config.weekly(), t -> t.get(IsoFields.WEEK_BASED_YEAR) + "-W" + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR),
        "weekly", decisions);
    keepNewestPer(dated, config.monthly(), t -> t.getYear() + "-" + t.getMonthValue(), "monthly", decisions);
    for (String id : dated) {
      decisions.putIfAbsent(id, null);
    }
    return decisions;
  }

  private static void keepNewestPer(List<String> newestFirst, int count, Function<ZonedDateTime, String> bucket, String rule,
      Map<String, String> decisions) {
    String last = null;
    int kept = 0;
    for (String id : newestFirst) {
      if (kept >= count) {
        return;
      }
      String b = bucket.apply(time(id).atZone(ZoneOffset.UTC));
      if (!Objects.equals(b, last)) {
        last = b;
        kept++;
        decisions.putIfAbsent(id, rule + " " + b);
      }
    }
  }

  /** The time an id starts with, or null. */
  public static Instant time(String snapshotId) {
    int dash = snapshotId.indexOf('-');
    try {
      return Instant.from(ID_TIME.parse(dash < 0 ? snapshotId : snapshotId.substring(0, dash)));
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
