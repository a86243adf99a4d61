package dev.lifeboat.audit;

import dev.lifeboat.events.v1.Header;
import java.time.Clock;
import java.util.UUID;

/**
 * Fills the header every event carries (event id, time, cluster, source component, correlation id),
 * so that no component writes it by hand.
 */
public final class EventFactory {
  private final String cluster;
  private final String source;
  private final Clock clock;

  public EventFactory(String cluster, String source, Clock clock) {
    this.cluster = cluster;
    this.source = source;
    this.clock = clock;
  }

  public Header header(String correlationId) {
    return Header.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setTime(clock.instant())
        .setCluster(cluster)
        .setSource(source)
        .setCorrelationId(correlationId)
        .build();
  }

  public String cluster() {
    return cluster;
  }

  public String source() {
    return source;
  }

  public Clock clock() {
    return clock;
  }

  /** The same cluster and clock, another component. */
  public EventFactory forSource(String otherSource) {
    return new EventFactory(cluster, otherSource, clock);
  }
}
