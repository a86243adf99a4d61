package dev.lifeboat.schedule;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which volume policy applies to a claim. A policy names a storage class, a label ({@code key=value}
 * or {@code key=} for an empty value) or both; it matches a claim that has everything it names. The
 * first matching policy wins; a claim no policy matches gets no snapshot requests.
 */
public final class VolumePolicies {
  private final List<VolumePolicy> policies;

  /**
   * A configuration section that declares the volume policies (the watcher's {@code
   * watcher.volumePolicies}): other workers find them through {@link #declaredIn} without depending
   * on the module that owns the section.
   */
  public interface Declared {
    List<VolumePolicy> volumePolicies();
  }

  /** The policies a section of {@code config} declares; none when no section does. */
  public static VolumePolicies declaredIn(dev.lifeboat.config.LifeboatConfig config) {
    for (Object section : config.sections().values()) {
      if (section instanceof Declared declared) {
        return new VolumePolicies(declared.volumePolicies());
      }
    }
    return new VolumePolicies(List.of());
  }

  public VolumePolicies(List<VolumePolicy> policies) {
    this.policies = List.copyOf(policies);
  }

  public List<VolumePolicy> policies() {
    return policies;
  }

  public Optional<VolumePolicy> match(String storageClass, Map<String, String> labels) {
    for (VolumePolicy p : policies) {
      if (matches(p, storageClass, labels)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  public static boolean matches(VolumePolicy policy, String storageClass, Map<String, String> labels) {
    if (policy.storageClass() == null && policy.label() == null) {
      return false;
    }
    if (policy.storageClass() != null && !policy.storageClass().equals(storageClass)) {
      return false;
    }
    if (policy.label() != null) {
      int eq = policy.label().indexOf('=');
      String key = eq < 0 ? policy.label() : policy.label().substring(0, eq);
      String value = eq < 0 ? null : policy.label().substring(eq + 1);
      String actual = labels == null ? null : labels.get(key);
      return actual != null && (value == null || value.equals(actual));
    }
    return true;
  }

  /** The shortest interval of the interval policies, or null when none has one. */
  public Duration shortestInterval() {
    return policies.stream()
        .filter(p -> p.mode() == VolumePolicy.Mode.INTERVAL && p.interval() != null && !p.interval().isNegative() && !p.interval().isZero())
        .map(VolumePolicy::interval).min(Duration::compareTo).orElse(null);
  }
}
