package dev.lifeboat.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@LifeboatIntegrationTest
class SnapshotScheduleIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final TestStack stack;
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final Health health = new Health(Clock.systemUTC());
  private final WorkerRuntime runtime;

  SnapshotScheduleIT(TestStack stack) {
    this.stack = stack;
    this.runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"), meters, health, "it-");
  }

  @AfterEach
  void close() {
    runtime.close();
  }

  @Test
  void requestsASnapshotEveryPeriodWithReasonScheduleTheFirstSoonAfterStart() {
    String topic = stack.newTopic("scheduled", 1);
    try (SnapshotSchedule schedule = new SnapshotSchedule(runtime.context(), stack.events("snapshotter"), topic, WAIT)) {
      schedule.requestEvery(SnapshotKind.ETCD, "etcd", Duration.ofMillis(300), Duration.ZERO);

      List<SnapshotRequested> requests = stack.read(topic, SnapshotRequested.class, WAIT, l -> l.size() >= 3);

      assertThat(requests).allSatisfy(r -> {
        assertThat(r.getKind()).isEqualTo(SnapshotKind.ETCD);
        assertThat(r.getTarget()).isEqualTo("etcd");
        assertThat(r.getReason()).isEqualTo(RequestReason.SCHEDULE);
      });
      assertThat(requests).extracting(SnapshotRequested::getRequestId).doesNotHaveDuplicates();
    }
  }

  @Test
  void aRequestKafkaRefusesIsCountedAuditedMarkedDegradedAndMadeAgainLongBeforeTheNextPeriod() {
    String topic = stack.newTopic("refused", 1);
    String target = "ns-" + topic;
    AtomicInteger sends = new AtomicInteger();
    WorkerContext refusingFirst = withProducer(runtime.context(), refusingFirstSend(runtime.context().producer(), sends));
    try (SnapshotSchedule schedule = new SnapshotSchedule(refusingFirst, stack.events("snapshotter"), topic, Duration.ofMillis(200))) {
      // one period is an hour: a request that arrives within the test is the retry, not the next period's
      schedule.requestEvery(SnapshotKind.RESOURCES, target, Duration.ofHours(1), Duration.ZERO);

      List<SnapshotRequested> requests = stack.read(topic, SnapshotRequested.class, WAIT, l -> !l.isEmpty());

      assertThat(requests).singleElement().satisfies(r -> assertThat(r.getTarget()).isEqualTo(target));
      assertThat(sends.get()).isEqualTo(2);
      assertThat(meters.counter("lifeboat_snapshot_schedule_failures_total").count()).isEqualTo(1.0);
      List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, WAIT, l -> l.stream().anyMatch(e -> isFailureOf(e, target)));
      assertThat(audit).filteredOn(e -> isFailureOf(e, target)).singleElement()
          .satisfies(e -> assertThat(e.getReason()).contains("RESOURCES", "refused by the test"));
      await().atMost(WAIT).until(() -> health.components().get(SnapshotSchedule.COMPONENT).state() == Health.State.UP);
    }
  }

  @Test
  void aPeriodicJobThatThrowsIsReportedAndKeepsItsSchedule() {
    AtomicInteger runs = new AtomicInteger();
    try (SnapshotSchedule schedule = new SnapshotSchedule(runtime.context(), stack.events("snapshotter"))) {
      schedule.runEvery("garbage collection", Duration.ofMillis(100), () -> {
        if (runs.incrementAndGet() == 1) {
          throw new IllegalStateException("the store is away");
        }
      });

      await().atMost(WAIT).until(() -> runs.get() >= 3);

      assertThat(meters.counter("lifeboat_snapshot_schedule_failures_total").count()).isEqualTo(1.0);
      await().atMost(WAIT).until(() -> health.components().get(SnapshotSchedule.COMPONENT).state() == Health.State.UP);
    }
  }

  private static boolean isFailureOf(AuditEvent e, String target) {
    return e.getAction().equals(AuditActions.SNAPSHOT_SCHEDULE_FAILED) && e.getReason() != null && e.getReason().contains(target);
  }

  private static WorkerContext withProducer(WorkerContext c, Producer<byte[], byte[]> producer) {
    return new WorkerContext(c.kafka(), c.groupPrefix(), producer, c.registry(), c.serializer(), c.deserializer(), c.audit(),
        c.meters(), c.health(), c.clock());
  }

  /** {@code producer}, except that its first send is refused as a broker away past the delivery timeout refuses it. */
  @SuppressWarnings("unchecked")
  private static Producer<byte[], byte[]> refusingFirstSend(Producer<byte[], byte[]> producer, AtomicInteger sends) {
    return (Producer<byte[], byte[]>) Proxy.newProxyInstance(Producer.class.getClassLoader(), new Class<?>[] {Producer.class},
        (proxy, method, args) -> {
          if (method.getName().equals("send") && args.length == 2) {
            if (sends.incrementAndGet() == 1) {
              ((Callback) args[1]).onCompletion(null, new TimeoutException("refused by the test"));
              return null;
            }
          }
          try {
            return method.invoke(producer, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
