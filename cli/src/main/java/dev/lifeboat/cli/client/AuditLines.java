package dev.lifeboat.cli.client;

import dev.lifeboat.events.v1.AuditEvent;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.StringJoiner;

/** How an audit event reads on one line. */
public final class AuditLines {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private AuditLines() {}

  /** {@code 2026-01-01 12:00:00  SUCCEEDED   command.restore  RESOURCES latest state  [id]  reason  k=v ...} */
  public static String format(AuditEvent e, boolean withCorrelation) {
    StringBuilder line = new StringBuilder();
    line.append(TIME.format(e.getHeader().getTime())).append("  ")
        .append(String.format("%-16s", e.getOutcome())).append(' ')
        .append(e.getAction()).append("  ").append(e.getSubject());
    if (withCorrelation && e.getHeader().getCorrelationId() != null) {
      line.append("  [").append(e.getHeader().getCorrelationId()).append(']');
    }
    if (e.getProgress() != null) {
      line.append("  ").append(e.getProgress().getDone());
      if (e.getProgress().getTotal() != null) {
        line.append('/').append(e.getProgress().getTotal());
      }
      line.append(' ').append(e.getProgress().getUnit());
    }
    if (e.getReason() != null) {
      line.append("  ").append(e.getReason());
    }
    if (!e.getDetails().isEmpty()) {
      StringJoiner details = new StringJoiner(" ", "  (", ")");
      new java.util.TreeMap<>(e.getDetails()).forEach((k, v) -> details.add(k + "=" + v));
      line.append(details);
    }
    return line.toString();
  }
}
