package dev.lifeboat.schemas.topics;

/** Names of Lifeboat's topics: the public contract, declared once. */
public final class Topics {
  public static final String RESOURCE_CHANGES = "lifeboat.resource-changes";
  public static final String RESOURCE_STATE = "lifeboat.resource-state";
  public static final String VOLUME_EVENTS = "lifeboat.volume-events";
  public static final String SNAPSHOT_REQUESTS = "lifeboat.snapshot-requests";
  public static final String SNAPSHOTS = "lifeboat.snapshots";
  public static final String REPLICATIONS = "lifeboat.replications";
  public static final String VERIFICATIONS = "lifeboat.verifications";
  public static final String COMMANDS = "lifeboat.commands";
  public static final String AUDIT = "lifeboat.audit";
  public static final String DLQ = "lifeboat.dlq";

  private Topics() {}

  /** The TopicNameStrategy subject of a topic's values, as Confluent clients expect it. */
  public static String valueSubject(String topic) {
    return topic + "-value";
  }
}
