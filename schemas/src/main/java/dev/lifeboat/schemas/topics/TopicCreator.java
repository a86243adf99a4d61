package dev.lifeboat.schemas.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.LinkedHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics of a catalog that are missing and reports how existing ones differ from it.
 * Idempotent: running it again creates nothing and reports the same differences. It changes one thing
 * of an existing topic: a record size limit ({@code max.message.bytes}) below the catalog's is raised,
 * because records the catalog allows would otherwise be refused (raising a limit never loses data).
 * Everything else (partitions, retention, durability) is the operator's decision, and only reported.
 *
 * <p>Topics are created with the configured replication factor and {@code min.insync.replicas}, so
 * that a record acknowledged by acks=all is on that many brokers.
 */
public final class TopicCreator {
  private static final Logger log = LoggerFactory.getLogger(TopicCreator.class);
  private static final long TIMEOUT_SECONDS = 30;

  /** The topic setting behind {@code minInSyncReplicas}. */
  public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";

  private final Admin admin;
  private final short replicationFactor;
  private final int minInSyncReplicas;

  /**
   * @param replicationFactor replicas of every topic created
   * @param minInSyncReplicas replicas that must have a record before acks=all acknowledges it (1 to the replication factor)
   */
  public TopicCreator(Admin admin, short replicationFactor, int minInSyncReplicas) {
    if (minInSyncReplicas < 1 || minInSyncReplicas > replicationFactor) {
      throw new IllegalArgumentException("min.insync.replicas must be 1 to the replication factor " + replicationFactor
          + ", was " + minInSyncReplicas);
    }
    this.admin = admin;
    this.replicationFactor = replicationFactor;
    this.minInSyncReplicas = minInSyncReplicas;
  }

  /** Topics created with {@link #defaultMinInSync the default} {@code min.insync.replicas} for the replication factor. */
  public TopicCreator(Admin admin, short replicationFactor) {
    this(admin, replicationFactor, defaultMinInSync(replicationFactor));
  }

  /**
   * One replica fewer than the replication factor, at least 1: with 3 replicas, a record acknowledged
   * by acks=all is on 2 brokers, and writes go on while one broker is down.
   */
  public static int defaultMinInSync(int replicationFactor) {
    return Math.max(1, replicationFactor - 1);
  }

  /** What {@link #ensure} did and found. */
  public record Report(List<String> created, List<String> existing, List<Difference> differences, List<String> raised) {
    public Report(List<String> created, List<String> existing, List<Difference> differences) {
      this(created, existing, differences, List.of());
    }

    public boolean matches() {
      return differences.isEmpty();
    }
  }

  /** A setting of an existing topic that is not what the catalog declares. */
  public record Difference(String topic, String setting, String expected, String actual) {
    @Override
    public String toString() {
      return topic + ": " + setting + " is " + actual + ", the catalog declares " + expected;
    }
  }

  public Report ensure(Collection<TopicSpec> specs) {
    try {
      Set<String> present = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      List<String> created = new ArrayList<>();
      List<String> existing = new ArrayList<>();
      for (TopicSpec spec : specs) {
        if (present.contains(spec.name())) {
          existing.add(spec.name());
        } else if (create(spec)) {
          created.add(spec.name());
        } else {
          existing.add(spec.name());
        }
      }
      List<Difference> differences = new ArrayList<>(compare(specs, existing));
      List<String> raised = raiseSizeLimits(differences);
      for (Difference d : differences) {
        log.warn("Topic differs from the catalog: {}", d);
      }
      log.info("Topics: {} created, {} already present, {} differences, {} size limits raised", created.size(), existing.size(),
          differences.size(), raised.size());
      return new Report(List.copyOf(created), List.copyOf(existing), List.copyOf(differences), List.copyOf(raised));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted while creating topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new KafkaException("could not create or inspect Lifeboat's topics: " + rootMessage(e), e);
    }
  }

  /** Raises each record size limit below the catalog's (and drops it from the differences); the topics raised. */
  private List<String> raiseSizeLimits(List<Difference> differences)
      throws InterruptedException, ExecutionException, TimeoutException {
    List<String> raised = new ArrayList<>();
    Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
    for (Difference d : List.copyOf(differences)) {
      if (d.setting().equals(TopicSpec.MAX_MESSAGE_BYTES) && below(d.actual(), d.expected())) {
        changes.put(new ConfigResource(ConfigResource.Type.TOPIC, d.topic()),
            List.of(new AlterConfigOp(new ConfigEntry(TopicSpec.MAX_MESSAGE_BYTES, d.expected()), AlterConfigOp.OpType.SET)));
        differences.remove(d);
        raised.add(d.topic());
        log.warn("Raising the record size limit of topic {} from {} to {} bytes: records Lifeboat produces would be refused",
            d.topic(), d.actual(), d.expected());
      }
    }
    if (!changes.isEmpty()) {
      admin.incrementalAlterConfigs(changes).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    return raised;
  }

  private static boolean below(String actual, String expected) {
    try {
      return actual == null || "null".equals(actual) || Long.parseLong(actual) < Long.parseLong(expected);
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** What a topic is created with: the catalog's settings and {@code min.insync.replicas}. */
  private Map<String, String> creationConfigs(TopicSpec spec) {
    Map<String, String> configs = new LinkedHashMap<>(spec.configs());
    configs.put(MIN_INSYNC_REPLICAS, Integer.toString(minInSyncReplicas));
    return configs;
  }

  private boolean create(TopicSpec spec) throws InterruptedException, ExecutionException, TimeoutException {
    NewTopic topic = new NewTopic(spec.name(), spec.partitions(), replicationFactor).configs(creationConfigs(spec));
    try {
      admin.createTopics(List.of(topic)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      log.info("Created topic {} ({} partitions, {})", spec.name(), spec.partitions(), spec.configs());
      return true;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TopicExistsException) {
        return false; // created concurrently by another instance
      }
      throw e;
    }
  }

  /**
   * Topics created a moment ago (by this or another instance) may not be known to every broker yet:
   * describing them then fails with a retriable error, so it is tried again for a few seconds.
   */
  private List<Difference> compare(Collection<TopicSpec> specs, List<String> names)
      throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (true) {
      try {
        return describeAndCompare(specs, names);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.RetriableException) || System.nanoTime() > deadline) {
          throw e;
        }
        log.debug("Topics not yet known to every broker, describing them again: {}", e.getCause().toString());
        Thread.sleep(200);
      }
    }
  }

  private List<Difference> describeAndCompare(Collection<TopicSpec> specs, List<String> names)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (names.isEmpty()) {
      return List.of();
    }
    Map<String, TopicDescription> descriptions =
        admin.describeTopics(names).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    List<ConfigResource> resources = names.stream()
        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    Map<String, TopicSpec> byName = new HashMap<>();
    specs.forEach(s -> byName.put(s.name(), s));

    List<Difference> differences = new ArrayList<>();
    for (String name : names) {
      TopicSpec spec = byName.get(name);
      int partitions = descriptions.get(name).partitions().size();
      if (partitions != spec.partitions()) {
        differences.add(new Difference(name, "partitions", Integer.toString(spec.partitions()), Integer.toString(partitions)));
      }
      int replicas = descriptions.get(name).partitions().get(0).replicas().size();
      if (replicas < replicationFactor) {
        differences.add(new Difference(name, "replication factor", Short.toString(replicationFactor), Integer.toString(replicas)));
      }
      Config actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
      creationConfigs(spec).forEach((key, expected) -> {
        String value = Optional.ofNullable(actual.get(key)).map(ConfigEntry::value).orElse(null);
        if (!expected.equals(value)) {
          differences.add(new Difference(name, key, expected, String.valueOf(value)));
        }
      });
    }
    return differences;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
