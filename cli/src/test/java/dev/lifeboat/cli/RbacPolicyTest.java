package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.embedded.apiserver.ApiCall;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class RbacPolicyTest {
  private static final String SA = RbacPolicy.user("lifeboat", "worker");
  private static final String OTHER = RbacPolicy.user("lifeboat", "other");
  private static final String YAML = """
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRole
      metadata: {name: reader}
      rules:
        - apiGroups: [""]
          resources: ["configmaps", "pods/exec"]
          verbs: ["get", "list", "create"]
        - apiGroups: ["*"]
          resources: ["*"]
          verbs: ["watch"]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: ClusterRoleBinding
      metadata: {name: reader}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
      subjects: [{kind: ServiceAccount, name: worker, namespace: lifeboat}]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: Role
      metadata: {name: leases, namespace: lifeboat}
      rules:
        - apiGroups: ["coordination.k8s.io"]
          resources: ["leases"]
          verbs: ["get", "update"]
          resourceNames: ["mine"]
      ---
      apiVersion: rbac.authorization.k8s.io/v1
      kind: RoleBinding
      metadata: {name: leases, namespace: lifeboat}
      roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leases}
      subjects: [{kind: ServiceAccount, name: worker, namespace: lifeboat}]
      """;

  private final RbacPolicy policy = RbacPolicy.of(Stream.of(YAML.split("(?m)^---\\s*$"))
      .map(d -> new KubernetesSerialization().unmarshal(d, HasMetadata.class)).toList());

  @Test
  void requestsAreAllowedAsTheRbacAuthorizerAllowsThem() {
    assertThat(policy.allowing(call(SA, "get", "", "configmaps", null, "shop", "a"))).isPresent();
    assertThat(policy.allowing(call(SA, "create", "", "pods", "exec", "shop", "web"))).isPresent();
    assertThat(policy.allowing(call(SA, "watch", "apps", "deployments", null, null, null))).isPresent();
    assertThat(policy.allowing(call(SA, "get", "coordination.k8s.io", "leases", null, "lifeboat", "mine"))).isPresent();

    assertThat(policy.allowing(call(SA, "delete", "", "configmaps", null, "shop", "a"))).as("verb").isEmpty();
    assertThat(policy.allowing(call(SA, "get", "", "secrets", null, "shop", "a"))).as("resource").isEmpty();
    assertThat(policy.allowing(call(SA, "get", "", "pods", null, "shop", "web"))).as("the subresource only").isEmpty();
    assertThat(policy.allowing(call(SA, "get", "coordination.k8s.io", "leases", null, "shop", "mine"))).as("namespace").isEmpty();
    assertThat(policy.allowing(call(SA, "get", "coordination.k8s.io", "leases", null, "lifeboat", "theirs"))).as("name").isEmpty();
    assertThat(policy.allowing(call(OTHER, "get", "", "configmaps", null, "shop", "a"))).as("user").isEmpty();
  }

  @Test
  void everyGroupResourceAndVerbARuleListsMustBeNeededByARequest() {
    List<ApiCall> calls = List.of(call(SA, "get", "", "configmaps", null, "shop", "a"),
        call(SA, "list", "", "configmaps", null, null, null), call(SA, "watch", "", "configmaps", null, null, null),
        call(SA, "get", "coordination.k8s.io", "leases", null, "lifeboat", "mine"));
    assertThat(policy.unused(SA, calls)).containsExactly(
        "ClusterRole reader rule 1 [\"\"] [configmaps, pods/exec] [get, list, create] (cluster-wide): no request needed "
            + "resource pods/exec, verb create",
        "Role lifeboat/leases rule 1 [\"coordination.k8s.io\"] [leases] [get, update] names [mine] (in lifeboat): "
            + "no request needed verb update");
  }

  private static ApiCall call(String user, String verb, String group, String resource, String sub, String ns, String name) {
    return new ApiCall(user, verb, group, resource, sub, ns, name);
  }
}
