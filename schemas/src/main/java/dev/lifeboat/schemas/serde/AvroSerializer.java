package dev.lifeboat.schemas.serde;

import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.topics.TopicCatalog;
import dev.lifeboat.schemas.topics.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro values (generated classes or generic records) in the Confluent wire format, under the
 * TopicNameStrategy subject {@code <topic>-value}. The writer schema of a topic in the catalog is
 * the catalog's (a union for topics carrying two kinds of event); other topics use the value's own
 * schema. Schemas are registered on first use and the id is cached, so the hot path makes no call
 * to the registry.
 */
public final class AvroSerializer<T> implements Serializer<T> {
  static {
    TrustedContract.ensure();
  }

  private final SchemaRegistry registry;
  private final TopicCatalog catalog;
  private final boolean autoRegister;
  private final Map<String, Writer> writers = new ConcurrentHashMap<>();
  private final EncoderFactory encoders = EncoderFactory.get();

  public AvroSerializer(SchemaRegistry registry) {
    this(registry, TopicCatalog.standard(), true);
  }

  /**
   * @param autoRegister register the schema when the subject lacks it; when false the schema must
   *     already be registered (looked up, never written)
   */
  public AvroSerializer(SchemaRegistry registry, TopicCatalog catalog, boolean autoRegister) {
    this.registry = registry;
    this.catalog = catalog;
    this.autoRegister = autoRegister;
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null; // a tombstone stays a tombstone
    }
    Schema schema = catalog.valueSchema(topic).orElseGet(() -> ownSchema(topic, data));
    Writer writer = writers.computeIfAbsent(topic + '\n' + schema.hashCode() + '\n' + schema.getFullName(),
        k -> new Writer(resolveId(topic, schema), new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema))));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try {
      out.write(WireFormat.header(writer.schemaId));
      BinaryEncoder encoder = encoders.binaryEncoder(out, null);
      writer.datumWriter.write(data, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot encode " + data.getClass().getSimpleName() + " for topic " + topic
          + " with schema " + schema.getFullName() + ": " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private int resolveId(String topic, Schema schema) {
    String subject = Topics.valueSubject(topic);
    if (autoRegister) {
      return registry.register(subject, schema);
    }
    return registry.lookup(subject, schema)
        .orElseThrow(() -> new SerializationException("schema " + schema.getFullName()
            + " is not registered under subject " + subject + " and auto-registration is off"))
        .id();
  }

  private static Schema ownSchema(String topic, Object data) {
    if (data instanceof GenericContainer container) {
      return container.getSchema();
    }
    throw new SerializationException("topic " + topic + " is not in the catalog and "
        + data.getClass().getName() + " is not an Avro record: cannot tell its schema");
  }

  private record Writer(int schemaId, DatumWriter<Object> datumWriter) {}
}
