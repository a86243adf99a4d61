package dev.lifeboat.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The application hooks a pod declares in its annotations, as Velero's backup hooks
 * ({@code pre.hook.backup.velero.io/command} ...): {@code hooks.lifeboat.dev/pre.command} (a JSON array,
 * or one word), {@code .container} (default: the pod's first container), {@code .timeout} (default
 * 30s; {@code 1m30s}, {@code 500ms}), {@code .on-error} ({@code Fail} or {@code Continue}, default
 * Fail), and the same under {@code post.}. A declaration that cannot be read is a problem named with
 * its pod and annotation: the recovery point is then refused before any hook runs.
 */
final class PodHooks {
  static final String PREFIX = "hooks.lifeboat.dev/";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final Duration MAX_TIMEOUT = Duration.ofHours(1);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern DURATION_PART = Pattern.compile("(\\d+)(ms|s|m|h)");

  /** When a hook runs: before the snapshots are requested, or after they were answered. */
  enum Phase {
    PRE, POST;

    String key() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** What to do when a hook fails (non-zero exit, timeout, refused exec). */
  enum OnError { FAIL, CONTINUE }

  /** One hook of one pod. */
  record Hook(Phase phase, String namespace, String pod, String container, List<String> command, Duration timeout,
      OnError onError) {
    String where() {
      return namespace + "/" + pod + "/" + container;
    }
  }

  /** The hooks of the pods read, and what could not be read. */
  record Declared(List<Hook> hooks, List<String> problems) {
    List<Hook> of(Phase phase) {
      return hooks.stream().filter(h -> h.phase() == phase).toList();
    }
  }

  private PodHooks() {}

  /** The hooks every pod declares, in the order of {@code pods}. */
  static Declared of(List<Pod> pods) {
    List<Hook> hooks = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Pod pod : pods) {
      for (Phase phase : Phase.values()) {
        try {
          Hook hook = read(pod, phase);
          if (hook != null) {
            hooks.add(hook);
          }
        } catch (IllegalArgumentException e) {
          problems.add("pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + ": " + e.getMessage());
        }
      }
    }
    return new Declared(List.copyOf(hooks), List.copyOf(problems));
  }

  /** The pod's hook of {@code phase}, null when it declares none. */
  static Hook read(Pod pod, Phase phase) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations() == null ? Map.of()
        : pod.getMetadata().getAnnotations();
    String base = PREFIX + phase.key() + ".";
    String command = annotations.get(base + "command");
    if (command == null) {
      for (String key : List.of("container", "timeout", "on-error")) {
        if (annotations.containsKey(base + key)) {
          throw new IllegalArgumentException(base + key + " is set but " + base + "command is not");
        }
      }
      return null;
    }
    List<String> containers = pod.getSpec() == null || pod.getSpec().getContainers() == null ? List.of()
        : pod.getSpec().getContainers().stream().map(Container::getName).toList();
    String container = annotations.get(base + "container");
    if (container == null || container.isBlank()) {
      if (containers.isEmpty()) {
        throw new IllegalArgumentException("the pod has no container to run " + base + "command in");
      }
      container = containers.get(0);
    } else if (!containers.contains(container)) {
      throw new IllegalArgumentException(base + "container names '" + container + "', which the pod does not have"
          + " (its containers: " + containers + ")");
    }
    return new Hook(phase, pod.getMetadata().getNamespace(), pod.getMetadata().getName(), container,
        command(base + "command", command), timeout(base + "timeout", annotations.get(base + "timeout")),
        onError(base + "on-error", annotations.get(base + "on-error")));
  }

  static List<String> command(String key, String value) {
    String text = value.trim();
    if (!text.startsWith("[")) {
      if (text.isEmpty()) {
        throw new IllegalArgumentException(key + " is empty");
      }
      return List.of(text);
    }
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(key + " is not a JSON array of strings: " + e.getOriginalMessage());
    }
    List<String> command = new ArrayList<>();
    for (JsonNode part : node) {
      if (!part.isTextual()) {
        throw new IllegalArgumentException(key + " must be a JSON array of strings, e.g. [\"/bin/sh\", \"-c\", \"sync\"]");
      }
      command.add(part.asText());
    }
    if (command.isEmpty() || command.get(0).isEmpty()) {
      throw new IllegalArgumentException(key + " names no command");
    }
    return List.copyOf(command);
  }

  /** A duration as Velero's annotations write it ({@code 30s}, {@code 2m}, {@code 1m30s}, {@code 500ms}). */
  static Duration timeout(String key, String value) {
    if (value == null || value.isBlank()) {
      return DEFAULT_TIMEOUT;
    }
    Matcher m = DURATION_PART.matcher(value.trim());
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      total = total.plus(switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofHours(n);
      });
      end = m.end();
    }
    if (end == 0 || end != value.trim().length() || total.isZero() || total.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException(key + " is '" + value + "': a duration above 0 and at most 1h, such as 30s,"
          + " 2m or 1m30s");
    }
    return total;
  }

  static OnError onError(String key, String value) {
    if (value == null || value.isBlank()) {
      return OnError.FAIL;
    }
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "fail" -> OnError.FAIL;
      case "continue" -> OnError.CONTINUE;
      default -> throw new IllegalArgumentException(key + " is '" + value + "': Fail or Continue");
    };
  }
}
