package dev.lifeboat.runtime;

/**
 * The one method a worker implements. Throw {@link dev.lifeboat.retry.RetriableFailure} (or let an
 * I/O error escape) when the record should be tried again later; any other exception sends the record
 * to the dead-letter topic with an audit event, and the worker goes on.
 */
@FunctionalInterface
public interface RecordHandler<V> {
  void handle(InboundRecord<V> record, Outputs outputs) throws Exception;
}
