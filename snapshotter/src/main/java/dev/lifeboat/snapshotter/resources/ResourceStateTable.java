package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.ChangeType;
import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.PermanentFailure;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.schemas.serde.AvroSerde;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import dev.lifeboat.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka Streams application that materialises {@code lifeboat.resource-changes} into the
 * compacted {@code lifeboat.resource-state} table: same key, the latest ResourceChanged of every
 * live object, a tombstone when it is deleted. Exactly-once (v2): the state records of a batch and
 * the input offsets they came from are committed in one transaction, which is what lets a resource
 * snapshot take a consistent cut of the table at recorded offsets.
 *
 * <p>The topology is stateless: the compacted output topic is the table, so no local store (and
 * no second changelog topic) is kept. Only records of this cluster ({@code <cluster>/...} keys) are
 * written. A record without a key, one that does not decode, or one that is not a ResourceChanged
 * goes to {@code lifeboat.dlq} with an audit event, in the same transaction, and the application
 * goes on (see {@link StreamsErrorHandlers}); a crashed stream thread is replaced.
 */
public final class ResourceStateTable implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResourceStateTable.class);

  /**
   * @param applicationId the Streams application id, also its consumer group: a resource snapshot
   *     reads the committed input offsets of this group
   * @param stateDir where Streams keeps its (here tiny) local state; a temporary directory when null
   */
  public record Settings(String applicationId, String cluster, String inputTopic, String outputTopic,
      int replicationFactor, Path stateDir) {
    public Settings {
      Objects.requireNonNull(applicationId, "applicationId");
      Objects.requireNonNull(cluster, "cluster");
    }

    /** The production settings of a cluster: the contract's topics, id {@code lifeboat-resource-state-<cluster>}. */
    public static Settings of(String cluster, int replicationFactor) {
      return new Settings(ResourceStateTable.applicationId(cluster), cluster, Topics.RESOURCE_CHANGES, Topics.RESOURCE_STATE,
          replicationFactor, null);
    }
  }

  public static String applicationId(String cluster) {
    return "lifeboat-resource-state-" + cluster;
  }

  private final Settings settings;
  private final WorkerContext context;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics metrics;
  private final Path stateDir;
  private final boolean ownStateDir;
  private final String component;

  public ResourceStateTable(Settings settings, WorkerContext context) {
    this.settings = settings;
    this.context = context;
    this.component = "streams:" + settings.applicationId();
    try {
      this.ownStateDir = settings.stateDir() == null;
      this.stateDir = ownStateDir ? Files.createTempDirectory("lifeboat-streams-") : settings.stateDir();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory for " + settings.applicationId(), e);
    }
    Serde<Object> values = AvroSerde.of(context.registry());
    StreamsConfig config = new StreamsConfig(properties());
    this.streams = new KafkaStreams(topology(settings, values, config), config);
    this.metrics = new KafkaStreamsMetrics(streams);
    streams.setStateListener((now, before) -> {
      log.info("Resource state table {}: {} -> {}", settings.applicationId(), before, now);
      switch (now) {
        case RUNNING -> context.health().set(component, Health.State.UP, "materialising " + settings.inputTopic()
            + " into " + settings.outputTopic());
        case ERROR -> context.health().set(component, Health.State.DOWN, "the Streams application stopped on an error");
        default -> { }
      }
    });
    streams.setUncaughtExceptionHandler(error -> {
      log.error("A stream thread of {} failed, replacing it: {}", settings.applicationId(), ErrorClassifier.describe(error), error);
      context.audit().component(AuditActions.THREAD_REPLACED, component, AuditOutcome.FAILED)
          .reason(ErrorClassifier.describe(error)).publish();
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
  }

  /**
   * The topology: each change of this cluster becomes its object's latest state, DELETED a
   * tombstone. Records of other clusters sharing the topic are left out.
   */
  public static Topology topology(Settings settings, Serde<Object> values, StreamsConfig config) {
    String prefix = settings.cluster() + "/";
    StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(config));
    builder.stream(settings.inputTopic(), Consumed.with(Serdes.String(), values).withName("resource-changes"))
        .filter((key, value) -> key == null || key.startsWith(prefix))
        .mapValues((key, value) -> latestState(key, value))
        .to(settings.outputTopic(), Produced.with(Serdes.String(), values).withName("resource-state"));
    return builder.build();
  }

  private static Object latestState(String key, Object value) {
    if (key == null) {
      throw new PermanentFailure("a resource change without a key (expected cluster/namespace/group/kind/name)");
    }
    if (!(value instanceof ResourceChanged change)) {
      throw new PermanentFailure("expected a ResourceChanged, got "
          + (value == null ? "a tombstone" : value.getClass().getName()) + " for " + key);
    }
    return change.getType() == ChangeType.DELETED ? null : change;
  }

  private Map<String, Object> properties() {
    Map<String, Object> props = new HashMap<>(context.kafka().common());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, settings.replicationFactor());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsErrorHandlers.Deserialization.class);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsErrorHandlers.Processing.class);
    props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsErrorHandlers.Production.class);
    props.put(StreamsDeadLetters.CONFIG, new StreamsDeadLetters(context.deadLetters(settings.applicationId()),
        context.meters().counter("lifeboat.streams.dead.lettered", "application", settings.applicationId())));
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // the latest state of an object is as large as the object: as large as lifeboat.resource-state takes
    props.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), TopicCatalog.MAX_RECORD_BYTES);
    return props;
  }

  public void start() {
    metrics.bindTo(context.meters());
    context.health().set(component, Health.State.UP, "starting");
    streams.start();
    context.audit().component(AuditActions.START, component, AuditOutcome.INFO).detail("input", settings.inputTopic())
        .detail("output", settings.outputTopic()).publish();
    log.info("Started the resource state table {} ({} -> {})", settings.applicationId(), settings.inputTopic(),
        settings.outputTopic());
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    metrics.close();
    context.health().set(component, Health.State.DOWN, "stopped");
    context.audit().component(AuditActions.STOP, component, AuditOutcome.INFO).publish();
    if (ownStateDir) {
      deleteQuietly(stateDir);
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.debug("Could not delete {}: {}", dir, e.toString());
    }
  }
}
