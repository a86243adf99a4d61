package dev.lifeboat.runtime;

import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.TopicCreator;
import dev.lifeboat.schemas.topics.TopicSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a Kafka cluster and registry ready for Lifeboat: creates the topics that are missing and
 * registers every topic's value schema under its {@code <topic>-value} subject. Idempotent; every
 * process runs it at start.
 */
public final class Bootstrap {
  private static final Logger log = LoggerFactory.getLogger(Bootstrap.class);

  private Bootstrap() {}

  /** What was done: the topic report and the schema id of each subject. */
  public record Result(TopicCreator.Report topics, Map<String, Integer> schemaIds) {}

  /** Topics with {@code replicationFactor} replicas and the default {@code min.insync.replicas} for it. */
  public static Result prepare(KafkaClients kafka, SchemaRegistry registry, short replicationFactor) {
    return prepare(kafka, registry, replicationFactor, TopicCreator.defaultMinInSync(replicationFactor));
  }

  public static Result prepare(KafkaClients kafka, SchemaRegistry registry, short replicationFactor, int minInSyncReplicas) {
    TopicCatalog catalog = TopicCatalog.standard();
    TopicCreator.Report report;
    try (Admin admin = kafka.admin()) {
      report = new TopicCreator(admin, replicationFactor, minInSyncReplicas).ensure(catalog.all());
    }
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (TopicSpec spec : catalog.all()) {
      spec.schema().ifPresent(schema -> ids.put(spec.valueSubject(), registry.register(spec.valueSubject(), schema)));
    }
    log.info("Registered {} value schemas: {}", ids.size(), ids);
    return new Result(report, ids);
  }
}
