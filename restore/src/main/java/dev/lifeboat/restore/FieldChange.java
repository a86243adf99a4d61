package dev.lifeboat.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Objects;

/**
 * One field a restore changed in an object on purpose, beyond what every restore drops (see
 * {@link ObjectTransforms}): which transform, where (path segments from the object's root; a
 * number indexes an array), what it was in the snapshot (null: absent) and what was sent (null:
 * removed). A comparison of what was restored with the snapshot ignores exactly these paths, and
 * can check that the values sent are still what the target holds.
 *
 * @param transform {@value InertTransform#NAME} or {@value #LABELS}
 */
public record FieldChange(String transform, List<String> path, JsonNode before, JsonNode after) {
  /** The transform name of the labels a plan adds to every object ({@link ResourceRestorePlan#objectLabels()}). */
  public static final String LABELS = "labels";

  public FieldChange {
    Objects.requireNonNull(transform, "transform");
    path = List.copyOf(path);
    if (path.isEmpty()) {
      throw new IllegalArgumentException("a change names a field");
    }
  }

  /** {@code spec.replicas}, {@code spec.ports[0].nodePort}, {@code metadata.labels["lifeboat.dev/verification"]}. */
  public String describePath() {
    StringBuilder out = new StringBuilder();
    for (String segment : path) {
      if (segment.chars().allMatch(Character::isDigit)) {
        out.append('[').append(segment).append(']');
      } else if (segment.matches("[A-Za-z][A-Za-z0-9]*")) {
        out.append(out.length() == 0 ? "" : ".").append(segment);
      } else {
        out.append("[\"").append(segment).append("\"]");
      }
    }
    return out.toString();
  }

  /** {@code spec.replicas: 3 -> 0}, {@code spec.ports[0].nodePort: 30080 -> removed}. */
  public String describe() {
    return describePath() + ": " + (before == null ? "absent" : before.toString()) + " -> "
        + (after == null ? "removed" : after.toString());
  }

  /** The value at this change's path in {@code root}; a missing node when there is none. */
  public JsonNode valueIn(JsonNode root) {
    return at(root, path);
  }

  /** Puts the snapshot's value back at this path in {@code root} (removes the field if it was absent). */
  public void revert(ObjectNode root) {
    if (before == null) {
      remove(root, path);
    } else {
      set(root, path, before.deepCopy());
    }
  }

  /**
   * Removes the field at this path from {@code root}, so that a comparison does not look at it, and
   * the objects on the path that this leaves empty (a transform may have created them), so that
   * both sides of a comparison are masked alike.
   */
  public void mask(JsonNode root) {
    remove(root, path);
    for (int end = path.size() - 1; end > 1; end--) {
      JsonNode parent = at(root, path.subList(0, end));
      if (!(parent instanceof ObjectNode object) || !object.isEmpty()) {
        return;
      }
      remove(root, path.subList(0, end));
    }
  }

  /** Whether {@code root} holds what was sent at this path. */
  public boolean heldIn(JsonNode root) {
    JsonNode value = valueIn(root);
    return after == null ? value.isMissingNode() || value.isNull() : after.equals(value);
  }

  static JsonNode at(JsonNode root, List<String> path) {
    JsonNode node = root;
    for (String segment : path) {
      if (node == null || node.isMissingNode()) {
        return MissingNode.getInstance();
      }
      node = node.isArray() && isIndex(segment) ? node.path(Integer.parseInt(segment)) : node.path(segment);
    }
    return node == null ? MissingNode.getInstance() : node;
  }

  static void set(ObjectNode root, List<String> path, JsonNode value) {
    JsonNode parent = root;
    for (int i = 0; i < path.size() - 1; i++) {
      String segment = path.get(i);
      if (parent.isArray() && isIndex(segment)) {
        parent = parent.path(Integer.parseInt(segment));
      } else if (parent instanceof ObjectNode object) {
        JsonNode next = object.get(segment);
        parent = next != null && (next.isObject() || next.isArray()) ? next : object.putObject(segment);
      } else {
        throw new IllegalArgumentException("no field " + String.join(".", path) + " can be set");
      }
    }
    String last = path.get(path.size() - 1);
    if (parent instanceof ObjectNode object) {
      object.set(last, value);
    } else if (parent instanceof ArrayNode array && isIndex(last) && Integer.parseInt(last) < array.size()) {
      array.set(Integer.parseInt(last), value);
    } else {
      throw new IllegalArgumentException("no field " + String.join(".", path) + " can be set");
    }
  }

  static void remove(JsonNode root, List<String> path) {
    JsonNode parent = at(root, path.subList(0, path.size() - 1));
    if (parent instanceof ObjectNode object) {
      object.remove(path.get(path.size() - 1));
    }
  }

  private static boolean isIndex(String segment) {
    return !segment.isEmpty() && segment.length() < 10 && segment.chars().allMatch(Character::isDigit);
  }
}
