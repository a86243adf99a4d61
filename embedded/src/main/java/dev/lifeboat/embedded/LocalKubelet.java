package dev.lifeboat.embedded;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduler and kubelet for one kind of pod only: Lifeboat's data movers (labelled {@value
 * #MANAGED_BY_LABEL}={@value #MANAGED_BY} and {@value #COMPONENT_LABEL}={@value #COMPONENT}, the labels
 * {@code dev.lifeboat.restore.VolumeMover} gives them). Such a pod is placed on node {@value #NODE}
 * and made {@code Running} with its containers ready once every claim it mounts is {@code Bound};
 * until then it stays {@code Pending} with the scheduler's {@code Unschedulable} condition. Its
 * commands are run by the local API's exec handler. Every other pod stays as created.
 */
final class LocalKubelet implements AutoCloseable {
  static final String NODE = "lifeboat-local";
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "lifeboat";
  static final String COMPONENT_LABEL = "app.kubernetes.io/component";
  static final String COMPONENT = "data-mover";
  private static final Logger log = LoggerFactory.getLogger(LocalKubelet.class);

  private final KubernetesClient kube;
  private final SharedIndexInformer<Pod> pods;
  private final SharedIndexInformer<PersistentVolumeClaim> claims;

  LocalKubelet(KubernetesClient kube) {
    this.kube = kube;
    this.pods = kube.pods().inAnyNamespace().withLabels(Map.of(MANAGED_BY_LABEL, MANAGED_BY, COMPONENT_LABEL, COMPONENT))
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            run(pod);
          }

          @Override
          public void onUpdate(Pod before, Pod after) {
            run(after);
          }

          @Override
          public void onDelete(Pod pod, boolean finalStateUnknown) {}
        });
    this.claims = kube.persistentVolumeClaims().inAnyNamespace().inform(new ResourceEventHandler<>() {
      @Override
      public void onAdd(PersistentVolumeClaim claim) {
        claimChanged(claim);
      }

      @Override
      public void onUpdate(PersistentVolumeClaim before, PersistentVolumeClaim after) {
        claimChanged(after);
      }

      @Override
      public void onDelete(PersistentVolumeClaim claim, boolean finalStateUnknown) {}
    });
  }

  private void claimChanged(PersistentVolumeClaim claim) {
    String namespace = claim.getMetadata().getNamespace();
    for (Pod pod : pods.getStore().list()) {
      if (namespace.equals(pod.getMetadata().getNamespace())) {
        run(pod);
      }
    }
  }

  private synchronized void run(Pod pod) {
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if ("Running".equals(phase) || "Succeeded".equals(phase) || "Failed".equals(phase)
        || pod.getMetadata().getDeletionTimestamp() != null) {
      return;
    }
    String namespace = pod.getMetadata().getNamespace();
    String name = pod.getMetadata().getName();
    try {
      String unbound = unboundClaim(pod);
      if (unbound != null) {
        pending(namespace, name, unbound);
        return;
      }
      if (pod.getSpec().getNodeName() == null) {
        kube.pods().inNamespace(namespace).withName(name).edit(p -> {
          p.getSpec().setNodeName(NODE);
          return p;
        });
      }
      String now = Instant.now().toString();
      kube.pods().inNamespace(namespace).withName(name).editStatus(p -> {
        PodStatus status = p.getStatus() == null ? new PodStatus() : p.getStatus();
        status.setPhase("Running");
        status.setHostIP("127.0.0.1");
        status.setPodIP("127.0.0.1");
        status.setStartTime(now);
        status.setConditions(List.of(condition("PodScheduled", "True", null, null, now),
            condition("Initialized", "True", null, null, now), condition("ContainersReady", "True", null, null, now),
            condition("Ready", "True", null, null, now)));
        status.setContainerStatuses(p.getSpec().getContainers().stream().map(c -> new ContainerStatusBuilder()
            .withName(c.getName()).withImage(c.getImage()).withImageID("").withReady(true).withStarted(true)
            .withRestartCount(0).withContainerID("local://" + p.getMetadata().getUid() + "/" + c.getName())
            .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build()).toList());
        p.setStatus(status);
        return p;
      });
      log.info("Data mover pod {}/{} runs on {}", namespace, name, NODE);
    } catch (RuntimeException e) {
      // the pod stays Pending: what its creator sees when a kubelet cannot start a pod
      log.warn("Cannot run pod {}/{}", namespace, name, e);
    }
  }

  /** Why the pod cannot be scheduled yet, or null when every claim it mounts is bound. */
  private String unboundClaim(Pod pod) {
    List<Volume> volumes = pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes();
    for (Volume volume : volumes) {
      if (volume.getPersistentVolumeClaim() == null) {
        continue;
      }
      String claimName = volume.getPersistentVolumeClaim().getClaimName();
      PersistentVolumeClaim claim = kube.persistentVolumeClaims().inNamespace(pod.getMetadata().getNamespace())
          .withName(claimName).get();
      if (claim == null) {
        return "persistentvolumeclaim \"" + claimName + "\" not found";
      }
      if (claim.getStatus() == null || !"Bound".equals(claim.getStatus().getPhase())) {
        return "pod has unbound immediate PersistentVolumeClaims";
      }
    }
    return null;
  }

  private void pending(String namespace, String name, String why) {
    String message = "0/1 nodes are available: " + why + ". preemption: 0/1 nodes are available: 1 Preemption is"
        + " not helpful for scheduling.";
    kube.pods().inNamespace(namespace).withName(name).editStatus(p -> {
      PodStatus status = p.getStatus() == null ? new PodStatus() : p.getStatus();
      List<PodCondition> conditions = status.getConditions() == null ? List.of() : status.getConditions();
      if (conditions.stream().anyMatch(c -> "PodScheduled".equals(c.getType()) && message.equals(c.getMessage()))) {
        return p;
      }
      List<PodCondition> kept = new ArrayList<>(conditions.stream().filter(c -> !"PodScheduled".equals(c.getType())).toList());
      kept.add(condition("PodScheduled", "False", "Unschedulable", message, Instant.now().toString()));
      status.setPhase("Pending");
      status.setConditions(kept);
      p.setStatus(status);
      return p;
    });
  }

  private static PodCondition condition(String type, String status, String reason, String message, String now) {
    return new PodConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
        .withLastTransitionTime(now).build();
  }

  @Override
  public void close() {
    pods.close();
    claims.close();
  }
}
