package dev.lifeboat.schemas.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A single-node KRaft Kafka cluster in this JVM, for integration tests. */
public final class TestKafkaCluster implements AutoCloseable {
  private final KafkaClusterTestKit cluster;
  private final AtomicBoolean closed = new AtomicBoolean();

  private TestKafkaCluster(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  public static TestKafkaCluster start() throws Exception {
    KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        .build())
        // one broker: every internal topic must fit on it
        .setConfigProp("offsets.topic.replication.factor", "1")
        .setConfigProp("offsets.topic.num.partitions", "1")
        .setConfigProp("transaction.state.log.replication.factor", "1")
        .setConfigProp("transaction.state.log.min.isr", "1")
        .setConfigProp("group.initial.rebalance.delay.ms", "0")
        .build();
    try {
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new TestKafkaCluster(cluster);
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  public String bootstrapServers() {
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
