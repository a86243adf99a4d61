package dev.lifeboat.embedded;

/**
 * A Kafka broker for the embedded stack and the tests: where clients connect, and how to stop it.
 * {@link EmbeddedKafka} runs one in this JVM; {@link KafkaBrokers} says which kind a stack starts.
 */
public interface KafkaBroker extends AutoCloseable {

  /** The {@code bootstrap.servers} value for clients, e.g. {@code 127.0.0.1:9092}. */
  String bootstrapServers();

  /** Stops the broker. Calling it again does nothing. */
  @Override
  void close();
}
