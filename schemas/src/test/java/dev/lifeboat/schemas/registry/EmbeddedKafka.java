package dev.lifeboat.schemas.registry;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A single-node KRaft Kafka cluster in this JVM, for integration tests. */
final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  static EmbeddedKafka start() throws Exception {
    KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        .build())
        .build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new EmbeddedKafka(cluster);
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  /** Stops the cluster; the test kit fails if closed twice, so later calls do nothing. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        cluster.close();
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("Could not stop the embedded Kafka cluster", e);
      }
    }
  }
}
