package dev.lifeboat.cli;

import dev.lifeboat.embedded.apiserver.ApiCall;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The RBAC rules of rendered manifests, evaluated as the API server's RBAC authorizer does: which
 * service account may make which request, and which part of a rule no request needed.
 *
 * <p>A rule applies cluster-wide when a ClusterRoleBinding grants its ClusterRole, and in one
 * namespace when a RoleBinding grants its Role or ClusterRole there. A request is allowed when one
 * rule applying to its namespace lists its API group (or {@code *}), its resource (or {@code *}, or
 * {@code *}/its subresource), its verb (or {@code *}) and, when the rule names resources, its name.
 */
final class RbacPolicy {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** One rule as granted to a service account: where it applies and where it was written. */
  record Grant(String source, PolicyRule rule, String namespace) {
    boolean allows(ApiCall call) {
      if (namespace != null && !namespace.equals(call.namespace())) {
        return false;
      }
      return matches(rule.getApiGroups(), call.group())
          && (rule.getResources().contains("*") || rule.getResources().contains(call.rbacResource())
              || call.subresource() != null && rule.getResources().contains("*/" + call.subresource()))
          && matches(rule.getVerbs(), call.verb())
          && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
              || call.name() != null && rule.getResourceNames().contains(call.name()));
    }

    private static boolean matches(List<String> listed, String value) {
      return listed != null && (listed.contains("*") || listed.contains(value));
    }

    @Override
    public String toString() {
      return source + " " + rule.getApiGroups().stream().map(g -> "\"" + g + "\"").toList() + " " + rule.getResources() + " " + rule.getVerbs()
          + (rule.getResourceNames() == null || rule.getResourceNames().isEmpty() ? "" : " names " + rule.getResourceNames())
          + (namespace == null ? " (cluster-wide)" : " (in " + namespace + ")");
    }
  }

  private final Map<String, List<Grant>> grants;

  private RbacPolicy(Map<String, List<Grant>> grants) {
    this.grants = grants;
  }

  /** The service account's user name, as its tokens authenticate it. */
  static String user(String namespace, String serviceAccount) {
    return "system:serviceaccount:" + namespace + ":" + serviceAccount;
  }

  /** Renders {@code overlay} with the machine's {@code kubectl kustomize} and reads its roles and bindings. */
  static RbacPolicy render(Path overlay) throws IOException, InterruptedException {
    Path kubectl = Stream.concat(Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)),
            Stream.of("/usr/local/bin", "/usr/bin"))
        .filter(d -> !d.isEmpty()).map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new AssertionError("rendering the manifests needs kubectl (1.27 or later) on the PATH"));
    Path errors = Files.createTempFile("kustomize", ".err");
    Process p = new ProcessBuilder(kubectl.toString(), "kustomize", overlay.toString()).redirectError(errors.toFile()).start();
    p.getOutputStream().close();
    String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("kubectl kustomize " + overlay + " failed: " + Files.readString(errors));
    }
    Files.deleteIfExists(errors);
    List<HasMetadata> objects = new ArrayList<>();
    for (String doc : yaml.split("(?m)^---\\s*$")) {
      if (!doc.isBlank()) {
        objects.add(SERIALIZATION.unmarshal(doc, HasMetadata.class));
      }
    }
    return of(objects);
  }

  static RbacPolicy of(List<HasMetadata> objects) {
    Map<String, List<PolicyRule>> clusterRoles = new LinkedHashMap<>();
    Map<String, List<PolicyRule>> roles = new LinkedHashMap<>(); // namespace/name
    for (HasMetadata o : objects) {
      if (o instanceof ClusterRole r) {
        clusterRoles.put(r.getMetadata().getName(), r.getRules());
      } else if (o instanceof Role r) {
        roles.put(r.getMetadata().getNamespace() + "/" + r.getMetadata().getName(), r.getRules());
      }
    }
    Map<String, List<Grant>> grants = new LinkedHashMap<>();
    for (HasMetadata o : objects) {
      if (o instanceof ClusterRoleBinding b) {
        List<PolicyRule> rules = required(clusterRoles.get(b.getRoleRef().getName()), "ClusterRole " + b.getRoleRef().getName(),
            "ClusterRoleBinding " + b.getMetadata().getName());
        add(grants, b.getSubjects(), "ClusterRole " + b.getRoleRef().getName(), rules, null);
      } else if (o instanceof RoleBinding b) {
        String namespace = b.getMetadata().getNamespace();
        boolean cluster = "ClusterRole".equals(b.getRoleRef().getKind());
        String role = (cluster ? "ClusterRole " : "Role " + namespace + "/") + b.getRoleRef().getName();
        List<PolicyRule> rules = required(cluster ? clusterRoles.get(b.getRoleRef().getName())
            : roles.get(namespace + "/" + b.getRoleRef().getName()), role, "RoleBinding " + namespace + "/" + b.getMetadata().getName());
        add(grants, b.getSubjects(), role, rules, namespace);
      }
    }
    return new RbacPolicy(grants);
  }

  private static List<PolicyRule> required(List<PolicyRule> rules, String role, String binding) {
    if (rules == null) {
      throw new AssertionError(binding + " grants " + role + ", which the manifests do not define");
    }
    return rules;
  }

  private static void add(Map<String, List<Grant>> grants, List<Subject> subjects, String role, List<PolicyRule> rules,
      String namespace) {
    for (Subject s : subjects) {
      if (!"ServiceAccount".equals(s.getKind())) {
        continue;
      }
      for (int i = 0; i < rules.size(); i++) {
        grants.computeIfAbsent(user(s.getNamespace(), s.getName()), k -> new ArrayList<>())
            .add(new Grant(role + " rule " + (i + 1), rules.get(i), namespace));
      }
    }
  }

  /** Every rule granted to the user. */
  List<Grant> grantsOf(String user) {
    return grants.getOrDefault(user, List.of());
  }

  /** The users (service accounts) any rule is granted to. */
  Set<String> users() {
    return grants.keySet();
  }

  /** The first rule allowing the call, if any. */
  Optional<Grant> allowing(ApiCall call) {
    return grantsOf(call.user()).stream().filter(g -> g.allows(call)).findFirst();
  }

  /**
   * What of the user's rules no call needed: each API group, resource and verb a rule lists (but
   * {@code *}, used by any call the rule allows) must be the one of a call that rule allows.
   */
  List<String> unused(String user, List<ApiCall> calls) {
    List<String> unused = new ArrayList<>();
    for (Grant grant : grantsOf(user)) {
      List<ApiCall> allowed = calls.stream().filter(c -> c.user().equals(user) && grant.allows(c)).toList();
      if (allowed.isEmpty()) {
        unused.add(grant + ": no request needed it");
        continue;
      }
      Set<String> missing = new LinkedHashSet<>();
      for (String group : grant.rule().getApiGroups()) {
        if (!group.equals("*") && allowed.stream().noneMatch(c -> c.group().equals(group))) {
          missing.add("API group \"" + group + "\"");
        }
      }
      for (String resource : grant.rule().getResources()) {
        if (!resource.equals("*") && allowed.stream().noneMatch(c -> c.rbacResource().equals(resource)
            || resource.startsWith("*/") && resource.substring(2).equals(c.subresource()))) {
          missing.add("resource " + resource);
        }
      }
      for (String verb : grant.rule().getVerbs()) {
        if (!verb.equals("*") && allowed.stream().noneMatch(c -> c.verb().equals(verb))) {
          missing.add("verb " + verb);
        }
      }
      if (!missing.isEmpty()) {
        unused.add(grant + ": no request needed " + String.join(", ", missing));
      }
    }
    return unused;
  }
}
