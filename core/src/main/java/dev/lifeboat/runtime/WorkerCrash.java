package dev.lifeboat.runtime;

import dev.lifeboat.retry.ErrorClassifier;
import org.apache.kafka.common.TopicPartition;

/**
 * An unexpected Throwable (an {@link Error}, or a failure of the worker's own machinery) ended a
 * batch; it is the cause. The records the batch had not completed were not committed and are read
 * again when the runtime restarts the worker.
 */
final class WorkerCrash extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The record the handler was given when it threw: a record that does so every time is poison. */
  record Position(TopicPartition partition, long offset) {
    @Override
    public String toString() {
      return partition.topic() + "-" + partition.partition() + "@" + offset;
    }
  }

  private final transient Position handling;

  WorkerCrash(String worker, Batch.Crash crash) {
    super("worker " + worker + " ended by " + ErrorClassifier.describe(crash.error())
        + (crash.record() == null ? "" : " at " + RecordProcessor.position(crash.record())), crash.error());
    this.handling = crash.inHandler() && crash.record() != null
        ? new Position(new TopicPartition(crash.record().topic(), crash.record().partition()), crash.record().offset())
        : null;
  }

  /** The record whose handling (decoding included) threw; null if the Throwable came from elsewhere. */
  Position handling() {
    return handling;
  }
}
