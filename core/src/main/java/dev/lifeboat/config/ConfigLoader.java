package dev.lifeboat.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code lifeboat.yaml}: YAML, with {@code ${NAME}} replaced by the environment variable NAME
 * (so secrets stay out of the file) and {@code ${NAME:-default}} by NAME or, when it is not set,
 * the default (so one file serves pods that set a variable and pods that do not), validated
 * completely before anything starts.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private final Map<String, String> environment;
  private final List<ConfigSection<?>> sections;

  /**
   * @param sections the worker sections a file may have, besides the shared ones (what the plugins on
   *     the class path contribute: {@link #pluginSections()})
   */
  public ConfigLoader(Map<String, String> environment, List<ConfigSection<?>> sections) {
    this.environment = environment;
    this.sections = List.copyOf(sections);
  }

  /** With the sections of every worker plugin on the class path. */
  public ConfigLoader(Map<String, String> environment) {
    this(environment, pluginSections());
  }

  public ConfigLoader() {
    this(System.getenv());
  }

  /** The configuration sections of every worker plugin on the class path, and core's own optional ones. */
  public static List<ConfigSection<?>> pluginSections() {
    List<ConfigSection<?>> found = new ArrayList<>();
    found.add(dev.lifeboat.lease.LeaseConfig.SECTION);
    for (dev.lifeboat.runtime.WorkerPlugin plugin : java.util.ServiceLoader.load(dev.lifeboat.runtime.WorkerPlugin.class)) {
      found.addAll(plugin.configSections());
    }
    return found;
  }

  public LifeboatConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), List.of("the file does not exist"));
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot be read: " + e.getMessage()));
    }
    return parse(text, file.toString());
  }

  public LifeboatConfig parse(String yaml, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ConfigException(source, List.of("is not valid YAML: " + e.getOriginalMessage()
          + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr())));
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = YAML.createObjectNode();
    }
    if (!root.isObject()) {
      throw new ConfigException(source, List.of("must be a map of sections (cluster, kafka, registry, stores, ...)"));
    }
    List<String> errors = new ArrayList<>();
    substitute((ObjectNode) root, "", errors);
    LifeboatConfig config = LifeboatConfig.read(new ConfigReader(root, "", errors), sections);
    if (!errors.isEmpty()) {
      throw new ConfigException(source, errors);
    }
    return config;
  }

  private void substitute(JsonNode node, String path, List<String> errors) {
    if (node instanceof ObjectNode object) {
      var fields = object.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        String childPath = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
        if (field.getValue().isTextual()) {
          field.setValue(new TextNode(expand(field.getValue().asText(), childPath, errors)));
        } else {
          substitute(field.getValue(), childPath, errors);
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        JsonNode child = node.get(i);
        if (child.isTextual()) {
          ((com.fasterxml.jackson.databind.node.ArrayNode) node).set(i, new TextNode(expand(child.asText(), path + "[" + i + "]", errors)));
        } else {
          substitute(child, path + "[" + i + "]", errors);
        }
      }
    }
  }

  private String expand(String value, String path, List<String> errors) {
    Matcher m = VARIABLE.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = environment.get(m.group(1));
      if (replacement == null && m.group(2) != null) {
        replacement = m.group(3);
      } else if (replacement == null) {
        errors.add(path + " refers to the environment variable " + m.group(1) + ", which is not set");
        replacement = "";
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }
}
