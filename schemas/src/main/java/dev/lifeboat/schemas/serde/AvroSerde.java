package dev.lifeboat.schemas.serde;

import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.topics.TopicCatalog;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** The wire-format serializer and deserializer as one Kafka {@link Serde} (for Kafka Streams). */
public final class AvroSerde {
  private AvroSerde() {}

  public static <T> Serde<T> of(SchemaRegistry registry) {
    return of(registry, TopicCatalog.standard());
  }

  public static <T> Serde<T> of(SchemaRegistry registry, TopicCatalog catalog) {
    return Serdes.serdeFrom(new AvroSerializer<>(registry, catalog, true), new AvroDeserializer<>(registry, catalog));
  }
}
