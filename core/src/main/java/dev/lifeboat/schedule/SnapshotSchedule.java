package dev.lifeboat.schedule;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshotter's clock: asks for a snapshot of a kind and target every period, on {@code
 * lifeboat.snapshot-requests} with reason SCHEDULE, and runs the periodic jobs (retention and garbage
 * collection). Where each schedule comes from is told in this package's DESIGN.md.
 *
 * <p>The first request of a schedule goes out soon after start ({@code firstWithin}, or the period if
 * shorter), so that a new installation is protected without waiting a whole period. A request counts
 * as made when Kafka acknowledged it. One Kafka refuses is counted ({@code
 * lifeboat_snapshot_schedule_failures_total}), audited ({@code snapshot.schedule-failed}), turns the
 * health component {@value #COMPONENT} DEGRADED and is tried again after {@code retryAfter} (or at the
 * next period if that comes first); the next acknowledged request or job that ends well turns the component UP again. A
 * periodic job that throws is treated the same way and keeps its schedule: an exception escaping a
 * {@link ScheduledExecutorService} task would otherwise end its schedule silently.
 */
public final class SnapshotSchedule implements AutoCloseable {
  public static final String COMPONENT = "snapshotter:schedule";
  private static final Logger log = LoggerFactory.getLogger(SnapshotSchedule.class);

  private final WorkerContext worker;
  private final EventFactory events;
  private final String topic;
  private final Duration retryAfter;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "lifeboat-snapshot-schedule");
    t.setDaemon(true);
    return t;
  });

  /** Requests on {@code lifeboat.snapshot-requests}; a refused request is tried again after a minute. */
  public SnapshotSchedule(WorkerContext worker, EventFactory events) {
    this(worker, events, Topics.SNAPSHOT_REQUESTS, Duration.ofMinutes(1));
  }

  SnapshotSchedule(WorkerContext worker, EventFactory events, String topic, Duration retryAfter) {
    this.worker = worker;
    this.events = events;
    this.topic = topic;
    this.retryAfter = retryAfter;
  }

  /**
   * Requests a snapshot of {@code kind}/{@code target} every {@code every} (zero: never), the first
   * within {@code firstWithin}.
   */
  public void requestEvery(SnapshotKind kind, String target, Duration every, Duration firstWithin) {
    if (every.isZero() || every.isNegative()) {
      return;
    }
    Requests requests = new Requests(kind, target, every);
    long period = every.toMillis();
    timer.scheduleAtFixedRate(requests::request, Math.min(period, firstWithin.toMillis()), period, TimeUnit.MILLISECONDS);
  }

  /** Runs {@code job} every {@code every} after the last run ended (zero: never), the first a period after start. */
  public void runEvery(String name, Duration every, Runnable job) {
    if (every.isZero() || every.isNegative()) {
      return;
    }
    long period = every.toMillis();
    timer.scheduleWithFixedDelay(() -> {
      try {
        job.run();
        recovered();
      } catch (RuntimeException e) {
        failed(name, e);
      }
    }, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Stops every schedule and waits up to a minute for a job under way (a garbage collection) to end;
   * one still running then is logged (the repository's collection lock keeps a second one out).
   */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      if (!timer.awaitTermination(1, TimeUnit.MINUTES)) {
        log.warn("A scheduled job is still running a minute after its schedules stopped");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The requests of one schedule; a failed one is tried again once, not once per failure. */
  private final class Requests {
    private final SnapshotKind kind;
    private final String target;
    private final Duration every;
    private final AtomicBoolean retryPending = new AtomicBoolean();

    Requests(SnapshotKind kind, String target, Duration every) {
      this.kind = kind;
      this.target = target;
      this.every = every;
    }

    void request() {
      retryPending.set(false);
      String what = "the scheduled " + kind + " snapshot of " + target;
      try {
        String id = UUID.randomUUID().toString();
        SnapshotRequested request = SnapshotRequested.newBuilder().setHeader(events.header(id)).setRequestId(id)
            .setKind(kind).setTarget(target).setReason(RequestReason.SCHEDULE).build();
        worker.producer().send(new ProducerRecord<>(topic, target.getBytes(StandardCharsets.UTF_8),
            worker.serializer().serialize(topic, request)), (metadata, e) -> {
              if (e == null) {
                recovered();
              } else {
                refused(what, e);
              }
            });
      } catch (RuntimeException e) {
        refused(what, e);
      }
    }

    private void refused(String what, Exception e) {
      failed(what, e);
      if (retryPending.compareAndSet(false, true) && !timer.isShutdown()) {
        long delay = Math.min(retryAfter.toMillis(), every.toMillis());
        try {
          timer.schedule(() -> {
            if (retryPending.get()) {
              request();
            }
          }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          // the schedule is closing: nothing more to request
        }
      }
    }
  }

  private void recovered() {
    Health.Status status = worker.health().components().get(COMPONENT);
    if (status != null && status.state() != Health.State.UP) {
      worker.health().set(COMPONENT, Health.State.UP, "scheduled work runs");
    }
  }

  private void failed(String what, Exception e) {
    log.warn("Could not run {}: {}", what, e.toString());
    MeterRegistry meters = worker.meters();
    meters.counter("lifeboat_snapshot_schedule_failures_total").increment();
    worker.health().set(COMPONENT, Health.State.DEGRADED, "could not run " + what + ": " + e.getMessage());
    AuditPublisher audit = worker.audit();
    try {
      audit.event(AuditActions.SNAPSHOT_SCHEDULE_FAILED, COMPONENT, AuditOutcome.FAILED)
          .reason("could not run " + what + ": " + e).publish();
    } catch (RuntimeException auditFailed) {
      // Kafka is likely what failed: the health component and the counter still say it
      log.debug("The audit event of a failed schedule could not be sent either", auditFailed);
    }
  }
}
