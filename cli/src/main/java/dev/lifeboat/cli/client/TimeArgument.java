package dev.lifeboat.cli.client;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An instant on the command line: ISO-8601 ({@code 2026-01-01T12:00:00Z}, a zone or offset
 * required), or a time ago ({@code 90s}, {@code 15m}, {@code 2h}, {@code 7d}).
 */
public final class TimeArgument {
  private static final Pattern AGO = Pattern.compile("(\\d+)([smhd])");

  private TimeArgument() {}

  /** @throws IllegalArgumentException saying what would be valid */
  public static Instant parse(String text, Clock clock) {
    String t = text.trim();
    Matcher m = AGO.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      Duration ago = switch (m.group(2)) {
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
      return clock.instant().minus(ago);
    }
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      try {
        return java.time.OffsetDateTime.parse(t).toInstant();
      } catch (DateTimeParseException e2) {
        throw new IllegalArgumentException("'" + text + "' is not a time: give an ISO-8601 instant with its zone"
            + " (2026-01-01T12:00:00Z) or a time ago (90s, 15m, 2h, 7d)");
      }
    }
  }
}
