package dev.lifeboat.schemas.testing;

import dev.lifeboat.schemas.registry.SchemaRegistryServer;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestKafkaCluster} for the tests of one class: started before the class's {@code @BeforeAll}
 * methods and stopped after its {@code @AfterAll} methods, so those may still use it.
 *
 * <pre>{@code @RegisterExtension static final KafkaClusterExtension kafka = new KafkaClusterExtension();}</pre>
 */
public final class KafkaClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private TestKafkaCluster cluster;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    cluster = TestKafkaCluster.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
    }
  }

  public String bootstrapServers() {
    if (cluster == null) {
      throw new IllegalStateException("the cluster starts before the test class's first test; register this extension "
          + "on a static field");
    }
    return cluster.bootstrapServers();
  }

  /** A schema registry on this cluster that keeps its schemas in {@code topic}. */
  public SchemaRegistryServer.Config registry(String topic) {
    return SchemaRegistryServer.Config.of(bootstrapServers()).withTopic(topic);
  }

  /** A schema registry on this cluster with a topic no other test uses. */
  public SchemaRegistryServer.Config registryOnNewTopic() {
    return registry("_schemas-" + UUID.randomUUID());
  }
}
