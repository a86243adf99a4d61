package dev.lifeboat.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.kube.KubeClients;
import dev.lifeboat.observe.Health;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two and three contenders for one Lease in the local API: one duty at a time, a holder that can no
 * longer reach the API stops before another starts, and a standby takes over within the lease
 * duration (or at once when the holder releases it).
 */
class LeadershipIT {
  private static final Leadership.Settings FAST =
      new Leadership.Settings("lifeboat", Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300));

  @TempDir static Path dir;
  private static LocalKubernetes kubernetes;
  private static Path kubeconfig;

  private final List<String> events = new CopyOnWriteArrayList<>();
  private final AtomicInteger acting = new AtomicInteger();
  private final AtomicInteger overlaps = new AtomicInteger();

  @BeforeAll
  static void start() {
    kubernetes = LocalKubernetes.start(0);
    kubeconfig = kubernetes.writeKubeconfig(dir.resolve("kubeconfig"));
    kubernetes.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("lifeboat").endMetadata().build())
        .create();
  }

  @AfterAll
  static void stop() {
    if (kubernetes != null) {
      kubernetes.close();
    }
  }

  @Test
  void aHolderThatCannotRenewStopsBeforeAnotherStartsAndAKilledHolderIsReplacedWithinTheLeaseDuration() throws Exception {
    Leadership a = contend("gc", "a", client());
    Leadership b = contend("gc", "b", client());
    await(() -> a.held() || b.held(), Duration.ofSeconds(10));
    assertThat(a.held() && b.held()).isFalse();

    // the API answers 503 to everyone: the holder cannot renew and must stop within the renew deadline
    Leadership first = a.held() ? a : b;
    kubernetes.beginOutage();
    Instant down = Instant.now();
    await(() -> !first.held(), FAST.renewDeadline().plusSeconds(5));
    Duration stopped = Duration.between(down, Instant.now());
    kubernetes.endOutage();
    await(() -> a.held() || b.held(), Duration.ofSeconds(15));
    assertThat(stopped).as("the holder stopped acting once it could not renew within the deadline").isLessThan(
        FAST.renewDeadline().plusSeconds(3));
    assertThat(overlaps).as("never two duties at once: %s", events).hasValue(0);

    // the holder is killed (no release, no end of its duty: the process is gone): the standby takes over
    Leadership holder = a.held() ? a : b;
    Leadership standby = holder == a ? b : a;
    Instant killed = Instant.now();
    holder.halt();
    acting.decrementAndGet(); // its duty died with it
    await(standby::held, Duration.ofSeconds(15));
    assertThat(Duration.between(killed, Instant.now())).as("taken over within the lease duration and a retry")
        .isLessThan(FAST.leaseDuration().plusSeconds(2));
    assertThat(overlaps).hasValue(0);

    // a holder that closes releases the lease: a newcomer takes it at once
    Leadership c = contend("gc", "c", client());
    Instant released = Instant.now();
    standby.close();
    await(c::held, Duration.ofSeconds(10));
    assertThat(Duration.between(released, Instant.now())).as("a released lease is taken without waiting for it to expire")
        .isLessThan(FAST.leaseDuration());
    assertThat(overlaps).as("events: %s", events).hasValue(0);
    c.close();
  }

  @Test
  void aHolderWhoseDutyCannotBeginGivesTheLeaseUpAndAnotherTakesIt() {
    Health brokenHealth = new Health(Clock.systemUTC());
    AtomicInteger attempts = new AtomicInteger();
    Leadership broken = Leadership.start("watcher", "broken", LeadershipIT::client, FAST, new Leadership.Duty() {
      @Override
      public void begin() {
        attempts.incrementAndGet();
        throw new IllegalStateException("Kafka is not reachable");
      }

      @Override
      public void end() {}
    }, brokenHealth, new SimpleMeterRegistry());
    try {
      await(() -> attempts.get() >= 1, Duration.ofSeconds(10));
      await(() -> brokenHealth.components().get("lease:watcher").state() == Health.State.DOWN, Duration.ofSeconds(5));
      assertThat(brokenHealth.components().get("lease:watcher").detail()).contains("Kafka is not reachable")
          .contains("released the lease");
      Leadership working = contend("watcher", "working", client());
      await(working::held, Duration.ofSeconds(10));
      assertThat(broken.held()).isFalse();
      assertThat(events).containsExactly("begin working");
      working.close();
    } finally {
      broken.close();
    }
  }

  private Leadership contend(String lease, String identity, KubernetesClient client) {
    return Leadership.start(lease, identity, () -> client, FAST, new Leadership.Duty() {
      @Override
      public void begin() {
        if (acting.incrementAndGet() > 1) {
          overlaps.incrementAndGet();
        }
        events.add("begin " + identity);
      }

      @Override
      public void end() {
        events.add("end " + identity);
        acting.decrementAndGet();
      }
    }, new Health(Clock.systemUTC()), new SimpleMeterRegistry());
  }

  private static KubernetesClient client() {
    return KubeClients.connect(kubeconfig.toString(), null, "test kubeconfig");
  }

  private static void await(BooleanSupplier condition, Duration within) {
    Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
  }

}
