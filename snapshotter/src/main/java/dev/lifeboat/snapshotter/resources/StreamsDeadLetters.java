package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.runtime.DeadLetterPublisher;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Kafka Streams error handlers of one application hand back to Streams for a record it
 * cannot process: its dead letter for {@code lifeboat.dlq} (the raw key and value, the original
 * headers, and headers naming where it came from and why) and an audit event saying so. Streams
 * produces both in the task's transaction, so under exactly-once the input offset, the dead letter
 * and the audit event are committed together, or not at all.
 *
 * <p>The handlers are created by Streams from their class names; they find this object in their
 * configuration under {@link #CONFIG}.
 */
final class StreamsDeadLetters {
  /** Configuration key under which the handlers find this object. */
  static final String CONFIG = "lifeboat.streams.dead.letters";
  private static final Logger log = LoggerFactory.getLogger(StreamsDeadLetters.class);

  private final String worker;
  private final AuditPublisher audit;
  private final Clock clock;
  private final Counter deadLettered;

  StreamsDeadLetters(String worker, AuditPublisher audit, Clock clock, Counter deadLettered) {
    this.worker = worker;
    this.audit = audit;
    this.clock = clock;
    this.deadLettered = deadLettered;
  }

  List<ProducerRecord<byte[], byte[]>> records(ErrorHandlerContext context, byte[] key, byte[] value, Headers headers,
      Exception error, String why) {
    String position = context.topic() + "-" + context.partition() + "@" + context.offset();
    log.warn("{} sent to the dead-letter topic ({}): {}", position, why, ErrorClassifier.describe(error));
    deadLettered.increment();
    ProducerRecord<byte[], byte[]> deadLetter = DeadLetterPublisher.deadLetter(context.topic(), context.partition(),
        context.offset(), key, value, headers, worker, error, clock.instant());
    ProducerRecord<byte[], byte[]> event = audit.record(audit.event(AuditActions.RECORD_DEAD_LETTERED, position, AuditOutcome.FAILED)
        .correlationId("worker:" + worker)
        .reason(why + ": " + ErrorClassifier.describe(error))
        .detail("worker", worker)
        .detail("errorClass", error.getClass().getName())
        .build());
    return List.of(deadLetter, event);
  }

  String worker() {
    return worker;
  }
}
