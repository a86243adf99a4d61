package dev.lifeboat.runtime;

import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.observe.Health;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.MDC;

/**
 * The skeleton every Lifeboat worker runs: consume, decode, hand each record to the handler, send
 * its outputs, wait for the broker to acknowledge them, commit. Bad input goes to the dead-letter
 * topic with an audit event and the worker carries on; a retriable failure pauses that partition
 * (the record stays on Kafka) and retries it with backoff while the other partitions go on.
 *
 * <p>Handlers run on a handler thread of the worker while its consumer keeps polling with the
 * batch's partitions paused, so a handler may take as long as it needs (a snapshot of a large
 * volume) without costing the worker its place in the consumer group. An unexpected Throwable (an
 * {@link Error} included) ends the run; the {@link WorkerRuntime} runs the worker again, with a new
 * consumer, after a backoff, and the records it had not committed are read again (see DESIGN.md).
 *
 * <p>A {@linkplain WorkerDefinition#inTransactions() transactional} worker has a producer of its own
 * and commits each record's outputs (or its dead letter) together with its offset in one Kafka
 * transaction.
 */
public final class Worker<V> implements Runnable, AutoCloseable {
  private final WorkerDefinition<V> definition;
  private final WorkerContext context;
  private final String component;
  private final Retries retries;
  private final RecordProcessor<V> processor;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private volatile int completedInLastRun;
  private volatile String restarts = "";

  public Worker(WorkerDefinition<V> definition, WorkerContext context) {
    this.definition = definition;
    this.context = context;
    this.component = "worker:" + definition.name();
    this.retries = new Retries(definition.retryPolicy());
    this.processor = new RecordProcessor<>(definition, context, component, retries);
  }

  public String name() {
    return definition.name();
  }

  /** The name of this worker in {@link Health} and in audit events: {@code worker:<name>}. */
  public String component() {
    return component;
  }

  /**
   * Runs the worker, with a consumer of its own, until {@link #stop()} is called; may be called again
   * after it ended on an unexpected Throwable, which it lets through.
   */
  @Override
  public void run() {
    MDC.put("worker", definition.name());
    retries.clear();
    completedInLastRun = 0;
    boolean stopped = false;
    PollLoop loop = null;
    try {
      loop = new PollLoop(definition, context, processor, retries, this::running);
      context.health().set(component, Health.State.UP, "reading " + definition.inputTopics() + restarts);
      context.audit().component(AuditActions.START, component, AuditOutcome.INFO)
          .detail("topics", definition.inputTopics()).publish();
      loop.run();
      stopped = true;
    } catch (WakeupException e) { // a stop while the transactional producer waited for the brokers
      if (running()) {
        throw e;
      }
      stopped = true;
    } finally {
      if (loop != null) {
        completedInLastRun = loop.completed();
        loop.close();
      }
      if (stopped) {
        stopped();
      }
      MDC.remove("worker");
    }
  }

  /**
   * Runs the worker on the calling thread until {@link #stop()}, running it again after an
   * unexpected Throwable ended a run, with backoff, as {@link WorkerRuntime#start} does on a thread of
   * its own (see {@link WorkerSupervisor}); for a part of a process that keeps its own thread.
   */
  public void runSupervised() {
    new WorkerSupervisor(this).run();
  }

  /** Asks the worker to finish the record in hand, commit and stop (see DESIGN.md for how long it waits). Safe from any thread. */
  public void stop() {
    stopRequested.countDown();
  }

  @Override
  public void close() {
    stop();
  }

  boolean running() {
    return stopRequested.getCount() > 0;
  }

  /** Waits up to {@code wait} for a stop; true if one was asked for. */
  boolean awaitStop(Duration wait) throws InterruptedException {
    return stopRequested.await(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Records the last run completed (acknowledged or committed); 0 says a crash came before any progress. */
  int completedInLastRun() {
    return completedInLastRun;
  }

  /** What the health detail says about restarts once the worker runs again. */
  void restarted(int count, String lastCrash) {
    this.restarts = "; restarted " + count + (count == 1 ? " time" : " times") + ", last after " + lastCrash;
  }

  /** See {@link RecordProcessor#deadLetterOnSight}. */
  void deadLetterOnSight(RecordProcessor.Poison poison) {
    processor.deadLetterOnSight(poison);
  }

  /** Health DOWN "stopped" and the stop's audit event. */
  void stopped() {
    Health.Status now = context.health().components().get(component);
    if (now == null || now.state() != Health.State.DOWN) {
      context.health().set(component, Health.State.DOWN, "stopped");
    }
    context.audit().component(AuditActions.STOP, component, AuditOutcome.INFO).publish();
  }

  WorkerContext context() {
    return context;
  }
}
