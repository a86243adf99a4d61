package dev.lifeboat.embedded.apiserver;

import static dev.lifeboat.embedded.apiserver.ApiResourceType.clusterScoped;
import static dev.lifeboat.embedded.apiserver.ApiResourceType.namespaced;

import java.util.List;

/**
 * The built-in kinds the local API serves and announces in discovery: the ones Lifeboat backs up,
 * restores or watches, and the ones {@code kubectl create <kind>} makes, with the short names,
 * categories and subresources a real API server gives them.
 */
final class BuiltInApiResources {

  static final List<ApiResourceType> ALL =
      List.of(
          // core
          clusterScoped("v1", "namespaces", "Namespace", "ns").with("status", "finalize"),
          namespaced("v1", "pods", "Pod", "po").inCategoryAll().with("status", "exec"),
          namespaced("v1", "services", "Service", "svc").inCategoryAll().with("status"),
          namespaced("v1", "configmaps", "ConfigMap", "cm"),
          namespaced("v1", "secrets", "Secret"),
          namespaced("v1", "serviceaccounts", "ServiceAccount", "sa"),
          namespaced("v1", "persistentvolumeclaims", "PersistentVolumeClaim", "pvc")
              .with("status"),
          clusterScoped("v1", "persistentvolumes", "PersistentVolume", "pv").with("status"),
          namespaced("v1", "events", "Event", "ev"),
          namespaced("v1", "endpoints", "Endpoints", "ep"),
          clusterScoped("v1", "nodes", "Node", "no").with("status"),
          namespaced("v1", "replicationcontrollers", "ReplicationController", "rc").inCategoryAll()
              .with("status", "scale"),
          namespaced("v1", "resourcequotas", "ResourceQuota", "quota").with("status"),
          namespaced("v1", "limitranges", "LimitRange", "limits"),
          // apps
          namespaced("apps/v1", "deployments", "Deployment", "deploy").inCategoryAll()
              .with("status", "scale"),
          namespaced("apps/v1", "statefulsets", "StatefulSet", "sts").inCategoryAll()
              .with("status", "scale"),
          namespaced("apps/v1", "daemonsets", "DaemonSet", "ds").inCategoryAll().with("status"),
          namespaced("apps/v1", "replicasets", "ReplicaSet", "rs").inCategoryAll()
              .with("status", "scale"),
          // batch
          namespaced("batch/v1", "jobs", "Job").inCategoryAll().with("status"),
          namespaced("batch/v1", "cronjobs", "CronJob", "cj").inCategoryAll().with("status"),
          // autoscaling
          namespaced("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", "hpa")
              .inCategoryAll().with("status"),
          // networking
          namespaced("networking.k8s.io/v1", "ingresses", "Ingress", "ing").with("status"),
          namespaced("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", "netpol"),
          // policy, scheduling
          namespaced("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", "pdb")
              .with("status"),
          clusterScoped("scheduling.k8s.io/v1", "priorityclasses", "PriorityClass", "pc"),
          // rbac
          namespaced("rbac.authorization.k8s.io/v1", "roles", "Role"),
          namespaced("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
          clusterScoped("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole"),
          clusterScoped(
              "rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding"),
          // storage
          clusterScoped("storage.k8s.io/v1", "storageclasses", "StorageClass", "sc"),
          clusterScoped("storage.k8s.io/v1", "volumeattachments", "VolumeAttachment")
              .with("status"),
          // CSI snapshots (served by the external-snapshotter CRDs on a real cluster)
          namespaced("snapshot.storage.k8s.io/v1", "volumesnapshots", "VolumeSnapshot", "vs")
              .with("status"),
          clusterScoped(
              "snapshot.storage.k8s.io/v1",
              "volumesnapshotclasses",
              "VolumeSnapshotClass",
              "vsclass",
              "vsclasses"),
          clusterScoped(
              "snapshot.storage.k8s.io/v1",
              "volumesnapshotcontents",
              "VolumeSnapshotContent",
              "vsc",
              "vscs").with("status"),
          // extensions, coordination, discovery
          clusterScoped(
              "apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition",
              "crd", "crds").with("status"),
          namespaced("coordination.k8s.io/v1", "leases", "Lease"),
          namespaced("discovery.k8s.io/v1", "endpointslices", "EndpointSlice"));

  private BuiltInApiResources() {}
}
