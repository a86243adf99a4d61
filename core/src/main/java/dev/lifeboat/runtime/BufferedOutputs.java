package dev.lifeboat.runtime;

import dev.lifeboat.schemas.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Holds a handler's outputs until it returns, encoding each at once so that a value that does not
 * fit its topic's schema fails the handler's record rather than a later one.
 */
final class BufferedOutputs implements Outputs {
  private final AvroSerializer<Object> serializer;
  private final List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();

  BufferedOutputs(AvroSerializer<Object> serializer) {
    this.serializer = serializer;
  }

  @Override
  public void send(String topic, String key, Object value) {
    byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    records.add(new ProducerRecord<>(topic, keyBytes, serializer.serialize(topic, value)));
  }

  List<Future<RecordMetadata>> sendAll(Producer<byte[], byte[]> producer) {
    List<Future<RecordMetadata>> sends = new ArrayList<>(records.size());
    for (ProducerRecord<byte[], byte[]> record : records) {
      sends.add(producer.send(record));
    }
    return sends;
  }
}
