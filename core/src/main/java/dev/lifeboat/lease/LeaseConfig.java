package dev.lifeboat.lease;

import dev.lifeboat.config.ConfigReader;
import dev.lifeboat.config.ConfigSection;
import dev.lifeboat.config.Field;
import dev.lifeboat.config.LifeboatConfig;
import java.time.Duration;
import java.util.List;

/**
 * Whether the roles that must run once per cluster hold a Kubernetes Lease before they act (the
 * cluster snapshotter's schedules and garbage collection), so that two replicas never both act. Off
 * by default (a single process needs none); the manifests in {@code deploy/} turn it on.
 *
 * @param enabled hold a lease before acting
 * @param settings where the leases live and their timing
 */
public record LeaseConfig(boolean enabled, Leadership.Settings settings) {
  static final Field<Boolean> ENABLED = Field.bool("enabled",
      "Hold a Kubernetes Lease before a once-per-cluster role acts (two replicas then never both act).").withDefault(false);
  static final Field<String> NAMESPACE = Field.string("namespace",
      "Namespace of the Lease objects; default: the pod's own (POD_NAMESPACE), else lifeboat.").optional();
  static final Field<Duration> DURATION = Field.duration("leaseDuration",
      "How long a lease not renewed stays with its holder; a standby takes over after it.").withDefault(Duration.ofSeconds(15));
  static final Field<Duration> DEADLINE = Field.duration("renewDeadline",
      "How long a holder goes without renewing before it stops acting; shorter than leaseDuration.")
      .withDefault(Duration.ofSeconds(10));
  static final Field<Duration> RETRY = Field.duration("retryPeriod", "How often a holder renews and a standby looks.")
      .withDefault(Duration.ofSeconds(2));

  public static final ConfigSection<LeaseConfig> SECTION = ConfigSection.of("leaderElection", LeaseConfig::defaults,
      LeaseConfig::read, () -> List.of(ENABLED, NAMESPACE, DURATION, DEADLINE, RETRY));

  public static LeaseConfig defaults() {
    return new LeaseConfig(false, Leadership.Settings.defaults(defaultNamespace()));
  }

  private static String defaultNamespace() {
    String own = System.getenv("POD_NAMESPACE");
    return own == null || own.isBlank() ? "lifeboat" : own;
  }

  private static LeaseConfig read(ConfigReader r, LifeboatConfig shared) {
    LeaseConfig d = defaults();
    Boolean enabled = r.get(ENABLED);
    String namespace = r.get(NAMESPACE);
    Duration duration = r.get(DURATION);
    Duration deadline = r.get(DEADLINE);
    Duration retry = r.get(RETRY);
    Leadership.Settings s = d.settings();
    Leadership.Settings settings = s;
    try {
      settings = new Leadership.Settings(namespace == null ? s.namespace() : namespace, duration == null ? s.leaseDuration() : duration,
          deadline == null ? s.renewDeadline() : deadline, retry == null ? s.retryPeriod() : retry);
    } catch (IllegalArgumentException e) {
      r.reportProblem("renewDeadline", e.getMessage());
    }
    r.rejectUnknown(List.of());
    return new LeaseConfig(enabled != null && enabled, settings);
  }
}
