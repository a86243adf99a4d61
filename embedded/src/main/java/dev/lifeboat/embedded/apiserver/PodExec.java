package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The checks a real API server and kubelet make before a pod exec is upgraded to a stream, with their
 * answers: 404 for a missing pod, 400 for a container the pod does not have, a completed pod, a pod no
 * node runs, or a container that is not running; and, with no {@link ExecHandler}, 500 as from a
 * cluster whose kubelet cannot be reached.
 */
final class PodExec {

  /** A request that passed the checks: what to run, and where. */
  record Target(ObjectNode pod, String container, List<String> command, boolean stdin, boolean stdout,
      boolean stderr, ExecHandler handler) {}

  private final ObjectRegistry registry;
  private volatile ExecHandler handler;

  PodExec(ObjectRegistry registry) {
    this.registry = registry;
  }

  void handler(ExecHandler handler) {
    this.handler = handler;
  }

  /** Whether {@code path} is a pod's exec subresource. */
  static boolean isExec(ResourcePath path) {
    return path.type().group().isEmpty() && path.type().plural().equals("pods") && "exec".equals(path.subresource());
  }

  /**
   * @param query every query parameter, repeated ones (command) in order
   * @throws ApiException the refusal a real API server answers
   */
  Target check(ResourcePath path, Map<String, List<String>> query) {
    List<String> command = query.getOrDefault("command", List.of());
    ObjectNode pod = registry.get(path.type(), path.key())
        .orElseThrow(() -> ApiException.notFound(path.type(), path.name())).object();
    if (command.isEmpty()) {
      throw ApiException.badRequest("you must specify at least one command for the container");
    }
    boolean stdin = flag(query, "stdin");
    boolean stdout = flag(query, "stdout");
    boolean stderr = flag(query, "stderr");
    if (!stdin && !stdout && !stderr) {
      throw ApiException.badRequest("you must specify at least one of stdin, stdout, stderr");
    }
    String container = container(pod, path.name(), first(query, "container"));
    String phase = pod.path("status").path("phase").asText("Pending");
    if (phase.equals("Succeeded") || phase.equals("Failed")) {
      throw ApiException.badRequest("cannot exec into a container in a completed pod; current phase is " + phase);
    }
    String node = pod.path("spec").path("nodeName").asText("");
    if (node.isEmpty()) {
      throw ApiException.badRequest("pod " + path.name() + " does not have a host assigned");
    }
    ExecHandler current = handler;
    if (current == null) {
      throw ApiException.internal("error dialing backend: no kubelet on node " + node
          + " runs commands for this API server");
    }
    if (!phase.equals("Running") || !running(pod, container)) {
      throw ApiException.badRequest("unable to upgrade connection: container not found (\"" + container + "\")");
    }
    return new Target(pod, container, List.copyOf(command), stdin, stdout, stderr, current);
  }

  private static String container(ObjectNode pod, String podName, String asked) {
    List<String> names = new ArrayList<>();
    for (JsonNode c : pod.path("spec").path("containers")) {
      names.add(c.path("name").asText());
    }
    if (asked == null || asked.isEmpty()) {
      if (names.size() == 1) {
        return names.get(0);
      }
      throw ApiException.badRequest("a container name must be specified for pod " + podName + ", choose one of: "
          + names);
    }
    if (!names.contains(asked)) {
      throw ApiException.badRequest("container " + asked + " is not valid for pod " + podName);
    }
    return asked;
  }

  private static boolean running(ObjectNode pod, String container) {
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      if (status.path("name").asText().equals(container)) {
        return status.path("state").has("running");
      }
    }
    return false;
  }

  private static boolean flag(Map<String, List<String>> query, String name) {
    String value = first(query, name);
    return "true".equalsIgnoreCase(value) || "1".equals(value);
  }

  private static String first(Map<String, List<String>> query, String name) {
    return Optional.ofNullable(query.get(name)).filter(v -> !v.isEmpty()).map(v -> v.get(0)).orElse(null);
  }
}
