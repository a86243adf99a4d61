package dev.lifeboat.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one section of a configuration tree through declared {@link Field}s, collecting every
 * problem (with the full key path) instead of stopping at the first, so a user fixes them all in one
 * go. Keys nobody declared are problems too: a typo must not silently fall back to a default.
 */
public final class ConfigReader {
  private final JsonNode node;
  private final String path;
  private final List<String> errors;
  private final Set<String> known = new HashSet<>();

  ConfigReader(JsonNode node, String path, List<String> errors) {
    this.node = node == null ? MissingNode.getInstance() : node;
    this.path = path;
    this.errors = errors;
  }

  public <T> T get(Field<T> field) {
    known.add(field.name());
    return field.read(node.get(field.name()), qualify(field.name()), errors);
  }

  public boolean has(String name) {
    return node.has(name) && !node.get(name).isNull();
  }

  public ConfigReader section(String name) {
    known.add(name);
    JsonNode child = node.get(name);
    if (child != null && !child.isNull() && !child.isObject()) {
      errors.add(qualify(name) + " must be a map of keys, found " + child);
      child = null;
    }
    return new ConfigReader(child, qualify(name), errors);
  }

  /** A list of sections, e.g. several off-region stores. */
  public List<ConfigReader> sections(String name) {
    known.add(name);
    JsonNode child = node.get(name);
    List<ConfigReader> readers = new ArrayList<>();
    if (child == null || child.isNull()) {
      return readers;
    }
    if (!child.isArray()) {
      errors.add(qualify(name) + " must be a list, found " + child);
      return readers;
    }
    for (int i = 0; i < child.size(); i++) {
      readers.add(new ConfigReader(child.get(i), qualify(name) + "[" + i + "]", errors));
    }
    return readers;
  }

  /** Free-form string map (e.g. extra Kafka client properties). */
  public Map<String, String> map(String name) {
    known.add(name);
    Map<String, String> values = new LinkedHashMap<>();
    JsonNode child = node.get(name);
    if (child == null || child.isNull()) {
      return values;
    }
    if (!child.isObject()) {
      errors.add(qualify(name) + " must be a map, found " + child);
      return values;
    }
    child.fields().forEachRemaining(e -> values.put(e.getKey(), e.getValue().asText()));
    return values;
  }

  public void reportProblem(String key, String problem) {
    errors.add(qualify(key) + " " + problem);
  }

  /** Adds an error for every key present here that no field or section claimed. */
  public void rejectUnknown(Collection<String> hints) {
    if (!node.isObject()) {
      return;
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        errors.add(qualify(name) + " is not a known key; known here: " + (known.isEmpty() ? hints : known));
      }
    }
  }

  String path() {
    return path;
  }

  private String qualify(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
