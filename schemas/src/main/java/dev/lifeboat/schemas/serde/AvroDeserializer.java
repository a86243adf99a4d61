package dev.lifeboat.schemas.serde;

import dev.lifeboat.schemas.registry.RegistryException;
import dev.lifeboat.schemas.registry.RegistryUnavailableException;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads values in the Confluent wire format. The writer schema comes from the registry by the id in
 * the record (cached); the reader schema is the catalog's for the topic (so generated classes come
 * back, and older writers are resolved to the current contract) or, for topics outside the catalog,
 * the writer's schema (generic records).
 *
 * <p>Never returns a silent null for bad bytes: it throws {@link UndecodableRecordException}
 * (permanent) naming the topic, partition, offset and cause, or {@link
 * RegistryUnavailableException} (retriable) when the registry cannot be reached. Kafka's consumer
 * adds partition and offset when this runs as its deserializer; {@link #decode} takes them directly.
 */
public final class AvroDeserializer<T> implements Deserializer<T> {
  static {
    TrustedContract.ensure();
  }

  private final SchemaRegistry registry;
  private final TopicCatalog catalog;
  private final Map<Long, DatumReader<Object>> readers = new ConcurrentHashMap<>();
  private final DecoderFactory decoders = DecoderFactory.get();

  public AvroDeserializer(SchemaRegistry registry) {
    this(registry, TopicCatalog.standard());
  }

  public AvroDeserializer(SchemaRegistry registry, TopicCatalog catalog) {
    this.registry = registry;
    this.catalog = catalog;
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    return decode(topic, -1, -1, data);
  }

  @Override
  public T deserialize(String topic, Headers headers, byte[] data) {
    return decode(topic, -1, -1, data);
  }

  /** Decodes a value whose position is known, so that any error names it. Null stays null (a tombstone). */
  @SuppressWarnings("unchecked")
  public T decode(String topic, int partition, long offset, byte[] data) {
    if (data == null) {
      return null;
    }
    int schemaId;
    try {
      schemaId = WireFormat.schemaId(data);
    } catch (IllegalArgumentException e) {
      throw new UndecodableRecordException(topic, partition, offset, e.getMessage(), null);
    }
    DatumReader<Object> reader = reader(topic, partition, offset, schemaId);
    try {
      BinaryDecoder decoder = decoders.binaryDecoder(data, WireFormat.HEADER_LENGTH,
          data.length - WireFormat.HEADER_LENGTH, null);
      Object value = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new UndecodableRecordException(topic, partition, offset,
            "trailing bytes after the Avro value of schema id " + schemaId, null);
      }
      return (T) value;
    } catch (IOException | AvroRuntimeException | ClassCastException | IndexOutOfBoundsException
        | NegativeArraySizeException e) {
      throw new UndecodableRecordException(topic, partition, offset,
          "bytes are not valid Avro for schema id " + schemaId + ": " + e, e);
    }
  }

  private DatumReader<Object> reader(String topic, int partition, long offset, int schemaId) {
    Schema readerSchema = catalog.valueSchema(topic).orElse(null);
    long key = ((long) schemaId << 32) ^ (readerSchema == null ? 0 : readerSchema.hashCode());
    DatumReader<Object> cached = readers.get(key);
    if (cached != null) {
      return cached;
    }
    Schema writerSchema;
    try {
      writerSchema = registry.schemaById(schemaId);
    } catch (RegistryException e) {
      if (e.httpStatus() == 404) {
        throw new UndecodableRecordException(topic, partition, offset,
            "unknown schema id " + schemaId + " (the registry does not have it)", e);
      }
      throw e;
    } catch (RegistryUnavailableException e) {
      throw new RegistryUnavailableException(UndecodableRecordException.location(topic, partition, offset)
          + ": schema registry unavailable while fetching schema id " + schemaId + ": " + e.getMessage(), e);
    }
    Schema effectiveReader = readerSchema == null ? writerSchema : readerSchema;
    DatumReader<Object> reader =
        new SpecificDatumReader<>(writerSchema, effectiveReader, SpecificData.getForSchema(effectiveReader));
    readers.put(key, reader);
    return reader;
  }
}
