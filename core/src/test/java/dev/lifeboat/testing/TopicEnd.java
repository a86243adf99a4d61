package dev.lifeboat.testing;

import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.topics.TopicReadTimeoutException;
import dev.lifeboat.schemas.topics.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads a topic from its beginning up to its end offsets as they are when the call begins: every
 * record written (and committed) before the call, and nothing after. Tests use it to show that
 * nothing else arrived, instead of waiting a while and hoping.
 */
public final class TopicEnd {
  private TopicEnd() {}

  public static List<ConsumerRecord<byte[], byte[]>> readToEnd(KafkaClients kafka, String topic) {
    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
    try (TopicReader reader = kafka.topicReader("test-end", topic).timeout(Duration.ofSeconds(60))) {
      reader.readToEnd(topic, records::add);
    } catch (TopicReadTimeoutException e) {
      throw new AssertionError(e.getMessage(), e);
    }
    return records;
  }

  /**
   * Waits until consumer group {@code group} has committed, on every partition of {@code topic}, the
   * topic's end offset as it is when the call begins: every record written before has been processed
   * and its outputs committed, so nothing more will come of them.
   */
  public static void awaitConsumed(KafkaClients kafka, String group, String topic, Duration timeout) {
    Map<TopicPartition, Long> end;
    try (TopicReader reader = kafka.topicReader("test-end", topic)) {
      end = reader.endOffsets(reader.partitions(topic));
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try (org.apache.kafka.clients.admin.Admin admin = kafka.admin()) {
      while (true) {
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
            admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        boolean done = end.entrySet().stream().allMatch(e -> e.getValue() == 0
            || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue());
        if (done) {
          return;
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("group " + group + " did not consume " + topic + " to " + end + " within " + timeout
              + "; committed: " + committed);
        }
        Thread.sleep(100);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError("cannot read the offsets of group " + group, e);
    }
  }
}
