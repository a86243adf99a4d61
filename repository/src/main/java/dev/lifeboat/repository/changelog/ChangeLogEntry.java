package dev.lifeboat.repository.changelog;

import dev.lifeboat.events.v1.ResourceChanged;
import java.time.Instant;
import java.util.Objects;

/**
 * One change of {@code lifeboat.resource-changes} as the archive keeps it: where it was on Kafka
 * (partition and offset), the record's time, its key ({@code cluster/namespace/group/kind/name}) and
 * the change itself.
 *
 * @param timestamp the Kafka record's timestamp: when the change was produced (or appended, on a
 *     topic with log-append time); point-in-time reconstruction compares instants with it
 */
public record ChangeLogEntry(int partition, long offset, Instant timestamp, String key, ResourceChanged change) {
  public ChangeLogEntry {
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(change, "change");
  }
}
