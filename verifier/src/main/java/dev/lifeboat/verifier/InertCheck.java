package dev.lifeboat.verifier;

import dev.lifeboat.restore.FieldChange;
import dev.lifeboat.restore.InertTransform;
import dev.lifeboat.restore.ResourceRestoreReport;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The {@value #NAME} check of a resource verification: what was restored cannot run, serve or
 * scale. It lists what the inert transform ({@link InertTransform}) changed, and fails when a
 * scratch namespace lacks its deny-all NetworkPolicy or its quota, or when an object read back no
 * longer holds a value the transform (or the scratch label) sent: an admission webhook or a
 * controller of the scratch cluster that scales a workload back up, or drops the label the watcher
 * skips scratch objects by, fails the verification rather than leaving a copy of production
 * running.
 */
final class InertCheck {
  static final String NAME = "scratch-inert";
  private static final int LISTED = 40;

  private InertCheck() {}

  static void add(Checks checks, KubernetesClient cluster, ResourceRestoreReport report,
      List<RestoredObjects.ReadBack> readBack) {
    List<String> problems = new ArrayList<>();
    Set<String> namespaces = new LinkedHashSet<>(report.namespacesCreated());
    namespaces.addAll(report.namespacesGuarded());
    for (String ns : namespaces) {
      problems.addAll(guardProblems(cluster, ns));
    }
    List<String> changed = new ArrayList<>();
    Map<String, Integer> byField = new TreeMap<>();
    long labelled = 0;
    for (RestoredObjects.ReadBack object : readBack) {
      for (FieldChange c : object.changes()) {
        if (c.transform().equals(InertTransform.NAME)) {
          changed.add(object.object() + " " + c.describe());
          byField.merge(c.describePath(), 1, Integer::sum);
        } else {
          labelled++;
        }
      }
      object.notHeld().forEach(n -> problems.add(object.object() + ": " + n));
    }
    List<String> notRestored = report.notRestoredInert().stream().map(ResourceRestoreReport.Outcome::describe).toList();
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("transform", InertTransform.NAME + " (" + InertTransform.class.getName() + ")");
    evidence.put("namespacesGuarded", String.join(",", report.namespacesGuarded()));
    evidence.put("guards", "NetworkPolicy " + InertTransform.DENY_ALL + " (all ingress and egress denied), ResourceQuota "
        + InertTransform.QUOTA + " " + new TreeMap<>(InertTransform.QUOTA_HARD));
    evidence.put("fieldsChanged", changed.size());
    evidence.put("fieldsChangedByPath", byField.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", ")));
    evidence.put("changed", String.join("; ", changed.subList(0, Math.min(LISTED, changed.size())))
        + (changed.size() > LISTED ? "; ... " + (changed.size() - LISTED) + " more" : ""));
    evidence.put("labelsAdded", labelled);
    evidence.put("notRestored", notRestored.isEmpty() ? "none" : String.join("; ", notRestored));
    if (!problems.isEmpty()) {
      evidence.put("problems", String.join("; ", problems.subList(0, Math.min(10, problems.size()))));
      evidence.put("reason", problems.size() + " ways the restored objects could run, serve or scale, first: "
          + problems.get(0));
    }
    checks.add(NAME, problems.isEmpty(), "every workload scaled to zero, suspended or unschedulable; no node port, load"
        + " balancer, route or acting autoscaler; a deny-all NetworkPolicy and a no-pods quota in every scratch namespace",
        changed.size() + " fields made inert in " + readBack.stream().filter(r -> r.changes().stream()
            .anyMatch(c -> c.transform().equals(InertTransform.NAME))).count() + " objects; "
        + report.namespacesGuarded().size() + " of " + namespaces.size() + " scratch namespaces guarded; "
        + notRestored.size() + " bare pods not restored", evidence);
  }

  /** What is wrong with the guards of one scratch namespace, read back. */
  private static List<String> guardProblems(KubernetesClient cluster, String namespace) {
    List<String> problems = new ArrayList<>();
    NetworkPolicy policy = cluster.network().v1().networkPolicies().inNamespace(namespace)
        .withName(InertTransform.DENY_ALL).get();
    if (policy == null) {
      problems.add("namespace " + namespace + " has no NetworkPolicy " + InertTransform.DENY_ALL);
    } else {
      var spec = policy.getSpec();
      boolean allPods = spec.getPodSelector() == null || (spec.getPodSelector().getMatchLabels() == null
          || spec.getPodSelector().getMatchLabels().isEmpty()) && (spec.getPodSelector().getMatchExpressions() == null
          || spec.getPodSelector().getMatchExpressions().isEmpty());
      boolean denies = spec.getPolicyTypes() != null && spec.getPolicyTypes().containsAll(List.of("Ingress", "Egress"))
          && (spec.getIngress() == null || spec.getIngress().isEmpty()) && (spec.getEgress() == null
          || spec.getEgress().isEmpty());
      if (!allPods || !denies) {
        problems.add("NetworkPolicy " + namespace + "/" + InertTransform.DENY_ALL + " does not deny all traffic");
      }
    }
    ResourceQuota quota = cluster.resourceQuotas().inNamespace(namespace).withName(InertTransform.QUOTA).get();
    if (quota == null) {
      problems.add("namespace " + namespace + " has no ResourceQuota " + InertTransform.QUOTA);
    } else {
      Map<String, Quantity> hard = quota.getSpec() == null || quota.getSpec().getHard() == null ? Map.of()
          : quota.getSpec().getHard();
      InertTransform.QUOTA_HARD.forEach((resource, limit) -> {
        Quantity q = hard.get(resource);
        if (q == null || Quantity.getAmountInBytes(q).signum() != 0) {
          problems.add("ResourceQuota " + namespace + "/" + InertTransform.QUOTA + " allows " + resource + " ("
              + (q == null ? "no limit" : q) + ")");
        }
      });
    }
    return problems;
  }
}
