package dev.lifeboat.embedded.apiserver;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * What runs a command in a pod's container when the local API is asked to exec one: the part of a
 * kubelet and a container runtime the local API does not have. It runs on a thread of its own for
 * the whole exec; the exec ends when it returns.
 */
@FunctionalInterface
public interface ExecHandler {

  /**
   * Runs {@code exec.command()} and returns its exit code (0: success). An exception ends the exec
   * with a Failure status (reason {@code InternalError}) naming it.
   */
  int exec(Exec exec) throws Exception;

  /**
   * One exec request.
   *
   * @param pod the pod as stored (JSON as maps and lists)
   * @param container the container asked for (the pod's only one when the request named none)
   * @param stdin what the client sends; ends when the client closes stdin ({@code v5.channel.k8s.io})
   *     or the connection, empty when the client asked for no stdin
   * @param stdout to the client's stdout channel; discarded when the client asked for none
   * @param stderr to the client's stderr channel; discarded when the client asked for none
   */
  record Exec(Map<String, Object> pod, String container, List<String> command, InputStream stdin,
      OutputStream stdout, OutputStream stderr) {
    public String namespace() {
      return (String) metadata().get("namespace");
    }

    public String podName() {
      return (String) metadata().get("name");
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> metadata() {
      return (Map<String, Object>) pod.getOrDefault("metadata", Map.of());
    }
  }
}
