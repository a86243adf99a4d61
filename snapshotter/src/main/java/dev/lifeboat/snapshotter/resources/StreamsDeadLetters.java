package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.runtime.DeadLetters;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/**
 * What the Kafka Streams error handlers of one application hand back to Streams for a record it
 * cannot process: its dead letter for {@code lifeboat.dlq} and its {@code record.dead-lettered} audit
 * event, made by the runtime's {@link DeadLetters} as every dead letter is. Streams produces both in
 * the task's transaction, so under exactly-once the input offset, the dead letter and the audit event
 * are committed together, or not at all.
 *
 * <p>The handlers are created by Streams from their class names; they find this object in their
 * configuration under {@link #CONFIG}.
 */
final class StreamsDeadLetters {
  /** Configuration key under which the handlers find this object. */
  static final String CONFIG = "lifeboat.streams.dead.letters";

  private final DeadLetters deadLetters;
  private final Counter deadLettered;

  /** @param deadLetters the reporter of the application (its id names the worker) */
  StreamsDeadLetters(DeadLetters deadLetters, Counter deadLettered) {
    this.deadLetters = deadLetters;
    this.deadLettered = deadLettered;
  }

  List<ProducerRecord<byte[], byte[]>> records(ErrorHandlerContext context, byte[] key, byte[] value, Headers headers,
      Exception error, String why) {
    deadLettered.increment();
    return deadLetters.records(DeadLetters.Letter.of(context.topic(), context.partition(), context.offset(), key, value,
        headers, error), why);
  }

  String worker() {
    return deadLetters.worker();
  }
}
