package dev.lifeboat.runtime;

import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.retry.RetryPolicy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transactional worker's producer: one transaction per record, holding what processing the record
 * produced (outputs, or a dead letter and its audit event) and the record's offset. The transaction
 * is opened only after the handler returned, so it lasts as long as a send and a commit, however long
 * the handler worked.
 */
final class Transactions implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Transactions.class);

  /** Sends what a record produced through the transaction's producer. */
  @FunctionalInterface
  interface Emitter {
    void emit(Producer<byte[], byte[]> producer);
  }

  private final WorkerContext context;
  private final String worker;
  private final String transactionalId;
  private final RetryPolicy retryPolicy;
  private final BooleanSupplier running;
  private Producer<byte[], byte[]> producer;

  Transactions(WorkerContext context, String worker, String transactionalId, RetryPolicy retryPolicy, BooleanSupplier running) {
    this.context = context;
    this.worker = worker;
    this.transactionalId = transactionalId;
    this.retryPolicy = retryPolicy;
    this.running = running;
  }

  /**
   * Creates the producer and registers its id, which aborts any transaction a previous instance with
   * the same id left open. Waits while the brokers cannot be reached; a stop ends the wait with a
   * {@link WakeupException}.
   */
  void open() {
    Producer<byte[], byte[]> created = context.kafka().transactionalProducer("lifeboat-" + worker, transactionalId);
    int attempt = 0;
    while (true) {
      try {
        created.initTransactions();
        break;
      } catch (RetriableException e) {
        Duration wait = retryPolicy.backoff(++attempt, () -> ThreadLocalRandom.current().nextDouble());
        log.warn("Cannot start the transactions of {} yet, trying again in {} ms: {}", transactionalId, wait.toMillis(),
            ErrorClassifier.describe(e));
        try {
          if (!running.getAsBoolean()) {
            throw new InterruptedException("stopping");
          }
          Thread.sleep(wait.toMillis());
        } catch (InterruptedException ie) {
          created.close(Duration.ZERO);
          throw new WakeupException();
        }
      }
    }
    producer = created;
    log.info("Worker {} commits its outputs and offsets in transactions as {}", worker, transactionalId);
  }

  /**
   * One transaction: what {@code emitter} sends, and the offset after {@code record}.
   *
   * @throws KafkaException the transaction failed and was aborted; the record must be processed again
   * @throws IllegalStateException this producer cannot go on (fenced by another instance with its id,
   *     not authorised): the worker stops
   */
  void commit(ConsumerRecord<byte[], byte[]> record, ConsumerGroupMetadata group, Emitter emitter) {
    if (producer == null) {
      open();
    }
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    try {
      producer.beginTransaction();
      emitter.emit(producer);
      producer.sendOffsetsToTransaction(Map.of(partition, new OffsetAndMetadata(record.offset() + 1)), group);
      producer.commitTransaction();
    } catch (ProducerFencedException | AuthorizationException | UnsupportedVersionException e) {
      throw new IllegalStateException("the transactional producer " + transactionalId + " cannot go on (is another"
          + " instance running with the same transactional id? see KafkaClients.instanceId()): " + e, e);
    } catch (KafkaException e) {
      abortOrReplace();
      throw e;
    }
  }

  /**
   * True if {@code error} says another producer with this worker's transactional id took over: this
   * one must stop rather than be restarted, or the two would take the id from each other in turn.
   */
  static boolean fenced(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ProducerFencedException) {
        return true;
      }
    }
    return false;
  }

  private void abortOrReplace() {
    try {
      producer.abortTransaction();
    } catch (KafkaException e) {
      // The producer is in a state it cannot leave; a new one with the same id aborts what is left open.
      log.warn("Aborting the transaction of {} failed, a new producer takes over: {}", transactionalId,
          ErrorClassifier.describe(e));
      producer.close(Duration.ZERO);
      producer = null;
    }
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
      producer = null;
    }
  }
}
