package dev.lifeboat.embedded;

import static dev.lifeboat.embedded.ApiResourceType.clusterScoped;
import static dev.lifeboat.embedded.ApiResourceType.namespaced;

import java.util.List;

/**
 * The built-in kinds {@link LocalKubernetes} announces in API discovery: the ones Lifeboat backs
 * up, restores or watches, with the short names and categories a real API server gives them.
 */
final class BuiltInApiResources {

  static final List<ApiResourceType> ALL =
      List.of(
          // core
          clusterScoped("v1", "namespaces", "Namespace", "ns"),
          namespaced("v1", "pods", "Pod", "po").inCategoryAll(),
          namespaced("v1", "services", "Service", "svc").inCategoryAll(),
          namespaced("v1", "configmaps", "ConfigMap", "cm"),
          namespaced("v1", "secrets", "Secret"),
          namespaced("v1", "serviceaccounts", "ServiceAccount", "sa"),
          namespaced("v1", "persistentvolumeclaims", "PersistentVolumeClaim", "pvc"),
          clusterScoped("v1", "persistentvolumes", "PersistentVolume", "pv"),
          namespaced("v1", "events", "Event", "ev"),
          namespaced("v1", "endpoints", "Endpoints", "ep"),
          clusterScoped("v1", "nodes", "Node", "no"),
          namespaced("v1", "replicationcontrollers", "ReplicationController", "rc").inCategoryAll(),
          namespaced("v1", "resourcequotas", "ResourceQuota", "quota"),
          namespaced("v1", "limitranges", "LimitRange", "limits"),
          // apps
          namespaced("apps/v1", "deployments", "Deployment", "deploy").inCategoryAll(),
          namespaced("apps/v1", "statefulsets", "StatefulSet", "sts").inCategoryAll(),
          namespaced("apps/v1", "daemonsets", "DaemonSet", "ds").inCategoryAll(),
          namespaced("apps/v1", "replicasets", "ReplicaSet", "rs").inCategoryAll(),
          // batch
          namespaced("batch/v1", "jobs", "Job").inCategoryAll(),
          namespaced("batch/v1", "cronjobs", "CronJob", "cj").inCategoryAll(),
          // autoscaling
          namespaced("autoscaling/v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", "hpa")
              .inCategoryAll(),
          // networking
          namespaced("networking.k8s.io/v1", "ingresses", "Ingress", "ing"),
          namespaced("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", "netpol"),
          // rbac
          namespaced("rbac.authorization.k8s.io/v1", "roles", "Role"),
          namespaced("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
          clusterScoped("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole"),
          clusterScoped(
              "rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding"),
          // storage
          clusterScoped("storage.k8s.io/v1", "storageclasses", "StorageClass", "sc"),
          clusterScoped("storage.k8s.io/v1", "volumeattachments", "VolumeAttachment"),
          // CSI snapshots (served by the external-snapshotter CRDs on a real cluster)
          namespaced("snapshot.storage.k8s.io/v1", "volumesnapshots", "VolumeSnapshot", "vs"),
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
              "vscs"),
          // extensions, coordination, discovery
          clusterScoped(
              "apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition",
              "crd", "crds"),
          namespaced("coordination.k8s.io/v1", "leases", "Lease"),
          namespaced("discovery.k8s.io/v1", "endpointslices", "EndpointSlice"));

  private BuiltInApiResources() {}
}
