package dev.lifeboat.runtime;

import dev.lifeboat.schemas.serde.AvroSerializer;
import dev.lifeboat.testing.TestStack;
import dev.lifeboat.testing.TopicEnd;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/** What the runtime's tests ask Kafka directly: committed offsets, end offsets, a topic read to its end. */
final class KafkaOffsets {
  private final TestStack stack;

  KafkaOffsets(TestStack stack) {
    this.stack = stack;
  }

  /** The offset {@code group} committed for {@code partition}; 0 if none. */
  long committed(String group, TopicPartition partition) throws ExecutionException, InterruptedException {
    try (Admin admin = stack.kafka().admin()) {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      OffsetAndMetadata offset = offsets.get(partition);
      return offset == null ? 0 : offset.offset();
    }
  }

  /** The offset the next record written to {@code partition} will get (transaction markers take offsets too). */
  long end(TopicPartition partition) throws ExecutionException, InterruptedException {
    try (Admin admin = stack.kafka().admin()) {
      return admin.listOffsets(Map.of(partition, OffsetSpec.latest())).partitionResult(partition).get().offset();
    }
  }

  /** Every committed record of {@code topic}, read up to the end offsets it has now. */
  List<ConsumerRecord<byte[], byte[]>> readToEnd(String topic) {
    return TopicEnd.readToEnd(stack.kafka(), topic);
  }

  /** Encodes {@code value} in the wire format and writes it to one partition, waiting for the acknowledgement. */
  void send(TopicPartition partition, String key, Object value) throws ExecutionException, InterruptedException {
    byte[] bytes = new AvroSerializer<>(stack.registry()).serialize(partition.topic(), value);
    try (KafkaProducer<byte[], byte[]> producer = stack.kafka().producer("test-partitioned")) {
      producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), key.getBytes(StandardCharsets.UTF_8),
          bytes)).get();
    }
  }

  /** How many members of {@code group} have partitions assigned, and how many partitions in all. */
  record Assignment(int members, int partitions) {}

  Assignment assignment(String group) throws ExecutionException, InterruptedException {
    try (Admin admin = stack.kafka().admin()) {
      var description = admin.describeConsumerGroups(Set.of(group)).describedGroups().get(group).get();
      int members = 0;
      int partitions = 0;
      for (var member : description.members()) {
        int assigned = member.assignment().topicPartitions().size();
        members += assigned > 0 ? 1 : 0;
        partitions += assigned;
      }
      return new Assignment(members, partitions);
    }
  }
}
