package dev.lifeboat.lease;

import dev.lifeboat.observe.Health;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a duty only while this process holds a Kubernetes Lease ({@code coordination.k8s.io/v1}), for
 * what must run once per cluster. The holder renews the lease every {@code retryPeriod}; a standby takes
 * it when it has not been renewed for {@code leaseDuration} (or at once when its holder released it).
 * Every write carries the lease's resourceVersion, so of two contenders only one succeeds.
 *
 * <p>Fencing does not depend on the API answering: a watchdog ends the duty as soon as the last
 * successful renewal <em>began</em> more than {@code renewDeadline} ago, whatever the request in flight
 * is doing. As the deadline is shorter than the duration, a holder that cannot renew has stopped
 * before anyone else may start (for clocks less than their difference apart). fabric8's leader elector
 * is not used because it kept its holder leading through a 7-second API outage with a 2-second
 * deadline (its renewal waits on a request the client retries).
 *
 * <p>The duty begins and ends on a thread of its own, one after the other in the order the lease was
 * taken and lost: a duty that takes long to begin (a watcher loading what it published) never holds
 * up renewals, and a lease lost while it begins ends it as soon as it has begun.
 *
 * <p>Observable as the gauge {@code lifeboat_lease_held{lease}} (1 while held) and the health
 * component {@code lease:<name>} (who holds it).
 */
public final class Leadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  /** What the holder does: begin when the lease is taken; end, and have stopped acting, when it is lost or released. */
  public interface Duty {
    void begin();

    void end();
  }

  /**
   * @param namespace where the Lease objects live (the namespace Lifeboat runs in)
   * @param leaseDuration how long a lease not renewed stays with its holder (default 15 s)
   * @param renewDeadline how long the holder goes without a successful renewal before it ends its duty (default 10 s)
   * @param retryPeriod how often the holder renews and a standby looks (default 2 s)
   */
  public record Settings(String namespace, Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public Settings {
      if (renewDeadline.compareTo(leaseDuration) >= 0) {
        throw new IllegalArgumentException("the renew deadline (" + renewDeadline + ") must be shorter than the lease duration ("
            + leaseDuration + "): a holder must stop before another may start");
      }
      if (retryPeriod.compareTo(renewDeadline) >= 0) {
        throw new IllegalArgumentException("the retry period (" + retryPeriod + ") must be shorter than the renew deadline ("
            + renewDeadline + ")");
      }
    }

    public static Settings defaults(String namespace) {
      return new Settings(namespace, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

  private final String name;
  private final String identity;
  private final Supplier<KubernetesClient> client;
  private final Settings settings;
  private final Duty duty;
  private final Health health;
  private final ScheduledExecutorService threads;
  private final ExecutorService dutyThread;
  private final Object lock = new Object();
  private boolean acting; // on the duty thread only: begun and not yet ended
  private boolean held;
  private Instant lastRenewalBegan = Instant.EPOCH;
  private String lastHolder = "";
  private volatile boolean closed;

  private Leadership(String name, String identity, Supplier<KubernetesClient> client, Settings settings, Duty duty, Health health,
      MeterRegistry meters) {
    this.name = name;
    this.identity = identity;
    this.client = client;
    this.settings = settings;
    this.duty = duty;
    this.health = health;
    Gauge.builder("lifeboat_lease_held", this, l -> l.held() ? 1 : 0).tag("lease", name)
        .description("1 while this process holds the lease and runs its duty").register(meters);
    this.threads = Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "lifeboat-lease-" + name);
      t.setDaemon(true);
      return t;
    });
    this.dutyThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "lifeboat-duty-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts contending for lease {@code name}; {@code duty} begins on the lease's own thread once it is held.
   *
   * @param identity who this process is, as the lease records it (the pod name and a unique suffix)
   */
  public static Leadership start(String name, String identity, Supplier<KubernetesClient> client, Settings settings, Duty duty,
      Health health, MeterRegistry meters) {
    Leadership l = new Leadership(name, identity, client, settings, duty, health, meters);
    health.set(l.component(), Health.State.UP, "standing by for the lease " + l.where());
    l.threads.scheduleWithFixedDelay(l::round, 0, settings.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
    l.threads.scheduleWithFixedDelay(l::fence, settings.retryPeriod().toMillis() / 4, 100, TimeUnit.MILLISECONDS);
    return l;
  }

  /** Whether this process holds the lease (and runs its duty) now. */
  public boolean held() {
    synchronized (lock) {
      return held;
    }
  }

  private String component() {
    return "lease:" + name;
  }

  private String where() {
    return settings.namespace() + "/" + name;
  }

  /** One look at the lease: renew it, take it, or stand by. */
  private void round() {
    if (closed) {
      return;
    }
    try {
      KubernetesClient kube = client.get(); // the first call connects: not part of the renewal's time
      Instant began = Instant.now();
      Lease current = kube.leases().inNamespace(settings.namespace()).withName(name).get();
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      if (current == null) {
        kube.leases().inNamespace(settings.namespace()).resource(new LeaseBuilder().withNewMetadata().withName(name)
            .withNamespace(settings.namespace()).endMetadata().withSpec(spec(null, now, 0)).build()).create();
        renewed(began, true);
        return;
      }
      LeaseSpec spec = current.getSpec() == null ? new LeaseSpec() : current.getSpec();
      String holder = spec.getHolderIdentity() == null ? "" : spec.getHolderIdentity();
      if (holder.equals(identity)) {
        current.setSpec(spec(spec, now, transitions(spec)));
        kube.leases().inNamespace(settings.namespace()).resource(current).update();
        renewed(began, !held());
      } else if (holder.isEmpty() || expired(spec, now)) {
        current.setSpec(spec(null, now, transitions(spec) + 1));
        kube.leases().inNamespace(settings.namespace()).resource(current).update();
        renewed(began, true);
      } else if (!holder.equals(lastHolder)) {
        lastHolder = holder;
        log.info("The lease {} is held by {}", where(), holder);
        health.set(component(), Health.State.UP, "standing by: " + holder + " holds the lease " + where());
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        log.debug("Another contender wrote the lease {} first", where());
      } else {
        log.debug("Could not read or write the lease {}: {}", where(), e.toString());
      }
    } catch (RuntimeException e) {
      log.debug("Could not read or write the lease {}: {}", where(), e.toString());
    }
  }

  private LeaseSpec spec(LeaseSpec renewing, ZonedDateTime now, int transitions) {
    LeaseSpec spec = new LeaseSpec();
    spec.setHolderIdentity(identity);
    spec.setLeaseDurationSeconds((int) Math.max(1, settings.leaseDuration().toSeconds()));
    spec.setAcquireTime(renewing != null && renewing.getAcquireTime() != null ? renewing.getAcquireTime() : now);
    spec.setRenewTime(now);
    spec.setLeaseTransitions(transitions);
    return spec;
  }

  private static int transitions(LeaseSpec spec) {
    return spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions();
  }

  /** Expired by the lease's own duration (a released lease has 1 s), from its holder's last renewal. */
  private boolean expired(LeaseSpec spec, ZonedDateTime now) {
    if (spec.getRenewTime() == null) {
      return true;
    }
    long seconds = spec.getLeaseDurationSeconds() == null ? settings.leaseDuration().toSeconds() : spec.getLeaseDurationSeconds();
    return spec.getRenewTime().plusSeconds(seconds).isBefore(now);
  }

  private void renewed(Instant began, boolean acquired) {
    boolean begin;
    synchronized (lock) {
      if (closed) {
        return;
      }
      lastRenewalBegan = began;
      begin = acquired && !held;
      held = true;
    }
    if (begin) {
      lastHolder = identity;
      log.info("Holding the lease {} as {}: starting its duty", where(), identity);
      health.set(component(), Health.State.UP, "holding the lease " + where());
      onDutyThread(this::beginDuty);
    }
  }

  /** Begins the duty, unless the lease was lost meanwhile; one that cannot begin gives the lease up. */
  private void beginDuty() {
    synchronized (lock) {
      if (!held || closed) {
        return;
      }
    }
    try {
      duty.begin();
      acting = true;
    } catch (RuntimeException e) {
      // A holder that does not act would keep every replica from acting: give the lease up, so that
      // another replica (or this one, a retry period later) takes it and tries again.
      synchronized (lock) {
        held = false;
      }
      lastHolder = "";
      log.error("The duty of the lease {} could not begin; releasing the lease to try again: {}", where(), e.toString(), e);
      health.set(component(), Health.State.DOWN, "its duty could not begin (" + e.getMessage()
          + "); released the lease " + where() + " to try again");
      release();
    }
  }

  /** Ends the duty if it runs. */
  private void endDuty() {
    if (acting) {
      acting = false;
      duty.end();
    }
  }

  private void onDutyThread(Runnable task) {
    try {
      dutyThread.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("The lease {} is closed: its duty no longer starts or stops", where());
    }
  }

  /** Ends the duty once the last successful renewal began more than the renew deadline ago. */
  private void fence() {
    synchronized (lock) {
      if (!held || Duration.between(lastRenewalBegan, Instant.now()).compareTo(settings.renewDeadline()) < 0) {
        return;
      }
      held = false;
    }
    log.warn("Lost the lease {}: not renewed within {}; its duty stops, standing by", where(), settings.renewDeadline());
    health.set(component(), Health.State.UP, "lost the lease " + where() + " (not renewed in time); standing by");
    lastHolder = "";
    onDutyThread(this::endDuty);
  }

  /** Stops contending as a killed process does: the lease is neither released nor the duty ended (tests). */
  void halt() {
    closed = true;
    threads.shutdownNow();
    dutyThread.shutdownNow();
    synchronized (lock) {
      held = false;
    }
  }

  /** Ends the duty if it runs and releases the lease, so that a standby takes over without waiting for it to expire. */
  @Override
  public void close() {
    closed = true;
    threads.shutdownNow();
    boolean wasHeld;
    synchronized (lock) {
      wasHeld = held;
      held = false;
    }
    onDutyThread(this::endDuty);
    dutyThread.shutdown();
    try {
      if (!dutyThread.awaitTermination(2, TimeUnit.MINUTES)) {
        log.warn("The duty of the lease {} has not stopped within 2 minutes", where());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (wasHeld) {
      release();
    }
    health.set(component(), Health.State.UP, "stopped: no longer contending for the lease " + where());
  }

  /** Gives the lease up (holder cleared, duration 1 s), so that a contender takes it at once. */
  private void release() {
    try {
      Lease current = client.get().leases().inNamespace(settings.namespace()).withName(name).get();
      if (current != null && current.getSpec() != null && identity.equals(current.getSpec().getHolderIdentity())) {
        current.getSpec().setHolderIdentity("");
        current.getSpec().setLeaseDurationSeconds(1);
        client.get().leases().inNamespace(settings.namespace()).resource(current).update();
      }
      log.info("Released the lease {}", where());
    } catch (RuntimeException e) {
      log.warn("Could not release the lease {} (a standby takes it once it expires): {}", where(), e.toString());
    }
  }
}
