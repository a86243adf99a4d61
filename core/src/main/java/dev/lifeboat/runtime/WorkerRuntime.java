package dev.lifeboat.runtime;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.observe.Health;
import dev.lifeboat.retry.ErrorClassifier;
import dev.lifeboat.schemas.registry.SchemaRegistry;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.serde.AvroSerializer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a process's workers, each on its own thread, over one shared producer, registry and audit
 * publisher, and restarts one that an unexpected error ended; stops them in order (finish the record
 * in hand, commit, close) on {@link #close()}, which the CLI calls from its SIGTERM hook.
 */
public final class WorkerRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);

  private final WorkerContext context;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaClientMetrics producerMetrics;
  private final List<Worker<?>> workers = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  public WorkerRuntime(KafkaClients kafka, SchemaRegistry registry, EventFactory events,
      MeterRegistry meters, Health health, String groupPrefix) {
    Clock clock = events.clock();
    this.producer = kafka.producer("lifeboat-" + events.source());
    this.producerMetrics = new KafkaClientMetrics(producer);
    producerMetrics.bindTo(meters);
    AvroSerializer<Object> serializer = new AvroSerializer<>(registry);
    this.context = new WorkerContext(kafka, groupPrefix, producer, registry, serializer,
        new AvroDeserializer<>(registry), new AuditPublisher(producer, serializer, events), meters, health, clock);
  }

  public WorkerContext context() {
    return context;
  }

  public AuditPublisher audit() {
    return context.audit();
  }

  /**
   * Starts a worker on a thread of its own. A run that an unexpected Throwable ends is counted,
   * audited, shown in health and restarted with backoff (see {@link WorkerSupervisor}).
   */
  public <V> Worker<V> start(WorkerDefinition<V> definition) {
    if (closed) {
      throw new IllegalStateException("runtime is closed");
    }
    Worker<V> worker = new Worker<>(definition, context);
    Thread thread = new Thread(worker::runSupervised, "lifeboat-worker-" + definition.name());
    thread.setUncaughtExceptionHandler((t, e) -> {
      log.error("Worker thread {} ended: {}", t.getName(), ErrorClassifier.describe(e), e);
      context.health().set(worker.component(), Health.State.DOWN, "its thread ended: " + ErrorClassifier.describe(e));
    });
    workers.add(worker);
    threads.add(thread);
    thread.start();
    log.info("Started worker {} on {}", definition.name(), definition.inputTopics());
    return worker;
  }

  public List<String> workerNames() {
    List<String> names = new ArrayList<>();
    workers.forEach(w -> names.add(w.name()));
    return names;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    workers.forEach(Worker::stop);
    // a worker waits up to PollLoop.STOP_GRACE for its record in hand, then closes its clients
    long deadline = System.nanoTime() + PollLoop.STOP_GRACE.plusSeconds(30).toNanos();
    for (Thread thread : threads) {
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    producer.flush();
    producerMetrics.close();
    producer.close(Duration.ofSeconds(10));
    log.info("Stopped {} workers", workers.size());
  }
}
