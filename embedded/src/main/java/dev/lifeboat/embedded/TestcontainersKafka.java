package dev.lifeboat.embedded;

import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A single-node KRaft broker from an image ({@code apache/kafka} or {@code apache/kafka-native}) in a
 * container, through Testcontainers' Kafka module ({@code org.testcontainers.kafka.KafkaContainer}; the
 * older {@code org.testcontainers.containers.KafkaContainer} runs Confluent's images and is deprecated).
 * Configured as {@link EmbeddedKafka} is where it matters to Lifeboat: topics are never created on
 * first use, internal topics have one replica. The only class that touches Testcontainers, which is an
 * optional dependency: it is loaded only when {@link KafkaBrokers} is asked for a container.
 */
final class TestcontainersKafka implements KafkaBroker {
  private static final Logger log = LoggerFactory.getLogger(TestcontainersKafka.class);

  private final KafkaContainer container;
  private final String bootstrapServers;

  private TestcontainersKafka(KafkaContainer container) {
    this.container = container;
    this.bootstrapServers = container.getBootstrapServers();
  }

  static KafkaBroker start(String image) {
    requireDocker(image);
    return startContainer(image);
  }

  static void requireDocker(String image) {
    requireDocker(image, () -> DockerClientFactory.instance().isDockerAvailable());
  }

  /** @param dockerAvailable whether Testcontainers finds a Docker engine (it asks once per JVM) */
  static void requireDocker(String image, BooleanSupplier dockerAvailable) {
    if (!dockerAvailable.getAsBoolean()) {
      throw new IllegalStateException(KafkaBrokers.SWITCH + "=testcontainers asks for a Kafka broker in a container ("
          + image + "), but Docker was not found (Testcontainers looks at DOCKER_HOST, ~/.testcontainers.properties and"
          + " /var/run/docker.sock). Start Docker, or run without the switch (without -Ptestcontainers and -D"
          + KafkaBrokers.SWITCH + ") to use the in-process broker.");
    }
  }

  private static KafkaBroker startContainer(String image) {
    long began = System.nanoTime();
    KafkaContainer container = new KafkaContainer(DockerImageName.parse(image))
        .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
        .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
        .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1");
    try {
      container.start();
    } catch (RuntimeException e) {
      container.close();
      throw new IllegalStateException("the Kafka broker container " + image + " did not start: " + e.getMessage()
          + " (set -D" + KafkaBrokers.IMAGE + " to another image, or run without -D" + KafkaBrokers.SWITCH + ")", e);
    }
    TestcontainersKafka broker = new TestcontainersKafka(container);
    log.info("Kafka {} started in a container on {} in {} ms", image, broker.bootstrapServers, Lifecycle.millisSince(began));
    return broker;
  }

  @Override
  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public synchronized void close() {
    if (container.isRunning()) {
      container.stop();
      log.info("Kafka container on {} stopped", bootstrapServers);
    }
  }
}
