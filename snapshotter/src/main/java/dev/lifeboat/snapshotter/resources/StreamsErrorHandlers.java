package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.retry.ErrorClassifier;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three Kafka Streams error handlers of Lifeboat's Streams applications, set explicitly so a bad
 * record never stops the application: it goes to {@code lifeboat.dlq} with an audit event (see
 * {@link StreamsDeadLetters}) and processing resumes. Retriable failures (an unreachable schema
 * registry) are not dead-lettered: the handler waits a moment and fails the task, the uncaught
 * exception handler replaces the stream thread, and the record is read again from the last commit.
 */
public final class StreamsErrorHandlers {
  private static final Logger log = LoggerFactory.getLogger(StreamsErrorHandlers.class);
  private static final long RETRY_PAUSE_MILLIS = 1000;

  private StreamsErrorHandlers() {}

  private static StreamsDeadLetters deadLetters(Map<String, ?> configs) {
    Object value = configs.get(StreamsDeadLetters.CONFIG);
    if (!(value instanceof StreamsDeadLetters letters)) {
      throw new IllegalStateException("the Streams configuration lacks " + StreamsDeadLetters.CONFIG);
    }
    return letters;
  }

  private static void pauseBeforeRetry(Exception error) {
    log.warn("Retriable failure in the Streams application, the task restarts from its last commit: {}",
        ErrorClassifier.describe(error));
    try {
      Thread.sleep(RETRY_PAUSE_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Undecodable input: dead-lettered; an unreachable registry: retried. */
  public static final class Deserialization implements DeserializationExceptionHandler {
    private StreamsDeadLetters letters;

    @Override
    public void configure(Map<String, ?> configs) {
      letters = deadLetters(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception error) {
      if (ErrorClassifier.isRetriable(error)) {
        pauseBeforeRetry(error);
        return Response.fail();
      }
      return Response.resume(letters.records(context, record.key(), record.value(), record.headers(), error,
          "undecodable"));
    }
  }

  /** A record the topology refuses (no key, not a ResourceChanged): dead-lettered. */
  public static final class Processing implements ProcessingExceptionHandler {
    private StreamsDeadLetters letters;

    @Override
    public void configure(Map<String, ?> configs) {
      letters = deadLetters(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception error) {
      if (ErrorClassifier.isRetriable(error)) {
        pauseBeforeRetry(error);
        return Response.fail();
      }
      return Response.resume(letters.records(context, context.sourceRawKey(), context.sourceRawValue(), context.headers(),
          error, "refused by the topology"));
    }
  }

  /**
   * An output that cannot be encoded, or that the broker refuses for good (too large, invalid):
   * the input is dead-lettered. Other send errors fail the task (the producer already retried what
   * is retriable), so nothing is dropped silently.
   */
  public static final class Production implements ProductionExceptionHandler {
    private StreamsDeadLetters letters;

    @Override
    public void configure(Map<String, ?> configs) {
      letters = deadLetters(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception error) {
      if (error instanceof RecordTooLargeException || error instanceof InvalidRecordException) {
        return Response.resume(letters.records(context, context.sourceRawKey(), context.sourceRawValue(),
            context.headers(), error, "its output was refused by the broker"));
      }
      return Response.fail();
    }

    @Override
    @SuppressWarnings("rawtypes")
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception error,
        SerializationExceptionOrigin origin) {
      if (ErrorClassifier.isRetriable(error)) {
        pauseBeforeRetry(error);
        return Response.fail();
      }
      return Response.resume(letters.records(context, context.sourceRawKey(), context.sourceRawValue(),
          context.headers(), error, "its output cannot be encoded"));
    }
  }
}
