package dev.lifeboat.watcher;

import dev.lifeboat.audit.AuditPublisher;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.observe.Health;
import dev.lifeboat.schemas.audit.AuditActions;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kinds the watcher may not list and watch (HTTP 401/403): each is reported once, with the RBAC rule
 * that would allow it (log, metric, health {@code watcher:<kind>}, audit event), skipped, and tried
 * again after ten minutes in case the rule was added.
 */
final class KindPermissions {
  private static final Logger log = LoggerFactory.getLogger(KindPermissions.class);
  private static final Duration RETRY_REFUSED = Duration.ofMinutes(10);

  private final Map<String, Instant> refused = new ConcurrentHashMap<>();
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  private final WatcherMetrics metrics;
  private final Health health;
  private final AuditPublisher audit;
  private final Clock clock;

  KindPermissions(WatcherMetrics metrics, Health health, AuditPublisher audit, Clock clock) {
    this.metrics = metrics;
    this.health = health;
    this.audit = audit;
    this.clock = clock;
  }

  /** The HTTP status of the API server's answer behind an informer error, or 0. */
  static int statusCode(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException e && e.getCode() > 0) {
        return e.getCode();
      }
    }
    return 0;
  }

  static boolean isDenial(int code) {
    return code == 401 || code == 403;
  }

  boolean isRefused(WatchedKind kind) {
    return refused.containsKey(kind.groupKind());
  }

  /** Forgets refusals old enough to be tried again. */
  void expire() {
    Instant now = clock.instant();
    refused.values().removeIf(since -> since.plus(RETRY_REFUSED).isBefore(now));
  }

  /** The API server refused to let the watcher list or watch {@code kind}. */
  void refuse(WatchedKind kind, int code) {
    refused.put(kind.groupKind(), clock.instant());
    if (!reported.add(kind.groupKind())) {
      return;
    }
    log.warn("Permission denied to list and watch {} (HTTP {}): it is skipped. Grant the watcher's service account {}",
        kind, code, kind.rbacRule());
    metrics.error("permission-denied");
    health.set("watcher:" + kind.groupKind(), Health.State.DEGRADED, "permission denied; needs " + kind.rbacRule());
    if (audit != null) {
      audit.event(AuditActions.WATCHER_PERMISSION_DENIED, kind.toString(), AuditOutcome.FAILED)
          .reason("the watcher may not list and watch " + kind.resourceName() + "; grant " + kind.rbacRule())
          .correlationId("watcher").publish();
    }
  }
}
