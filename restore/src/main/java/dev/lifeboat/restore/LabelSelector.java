package dev.lifeboat.restore;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A label selector in kubectl's grammar, evaluated locally: requirements separated by commas, all of
 * which must hold: {@code key=value} (or {@code ==}), {@code key!=value}, {@code key in (a,b)},
 * {@code key notin (a,b)}, {@code key} (exists) and {@code !key} (does not exist). Keys and values are
 * what Kubernetes accepts as label keys ({@code [prefix/]name}, the name at most 63 characters) and
 * values (at most 63, possibly empty); a set names at least one value. Null or blank selects
 * everything. The one grammar for restore commands (checked when they are validated) and restore
 * plans.
 */
public final class LabelSelector {
  private static final String NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?";
  private static final String KEY = "(?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?" + NAME;
  private static final Pattern KEY_PATTERN = Pattern.compile(KEY);
  private static final Pattern VALUE_PATTERN = Pattern.compile("(" + NAME + ")?");
  private static final Pattern SET = Pattern.compile("\\s*(\\S+?)\\s+(in|notin)\\s*\\(([^)]*)\\)\\s*");
  private static final Pattern EQUALITY = Pattern.compile("\\s*([^\\s!=,()]+)\\s*(==|=|!=)\\s*([^\\s!=,()]*)\\s*");
  private static final Pattern EXISTS = Pattern.compile("\\s*(!?)\\s*([^\\s!=,()]+)\\s*");
  private static final int MAX_NAME = 63;

  private record Requirement(String key, String operator, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case "in" -> value != null && values.contains(value);
        case "notin" -> value == null || !values.contains(value);
        case "exists" -> value != null;
        default -> value == null; // "!"
      };
    }
  }

  private final String text;
  private final List<Requirement> requirements = new ArrayList<>();

  /** @throws IllegalArgumentException naming the requirement that is not a selector requirement */
  public LabelSelector(String selector) {
    this.text = selector == null ? "" : selector.trim();
    for (String part : split(text)) {
      requirements.add(parse(part));
    }
  }

  public boolean matches(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (Requirement r : requirements) {
      if (!r.matches(l)) {
        return false;
      }
    }
    return true;
  }

  public boolean selectsEverything() {
    return requirements.isEmpty();
  }

  private static Requirement parse(String part) {
    Matcher m = SET.matcher(part);
    if (m.matches()) {
      Set<String> values = new HashSet<>();
      for (String v : m.group(3).split(",", -1)) {
        values.add(value(part, v.trim()));
      }
      if (m.group(3).isBlank()) {
        throw new IllegalArgumentException("'" + part.trim() + "' names no value: a set names at least one");
      }
      return new Requirement(key(part, m.group(1)), m.group(2), Set.copyOf(values));
    }
    m = EQUALITY.matcher(part);
    if (m.matches()) {
      return new Requirement(key(part, m.group(1)), m.group(2).equals("!=") ? "notin" : "in",
          Set.of(value(part, m.group(3))));
    }
    m = EXISTS.matcher(part);
    if (m.matches()) {
      return new Requirement(key(part, m.group(2)), m.group(1).isEmpty() ? "exists" : "!", Set.of());
    }
    throw notARequirement(part);
  }

  private static String key(String part, String key) {
    int slash = key.indexOf('/');
    if (!KEY_PATTERN.matcher(key).matches() || key.length() - slash - 1 > MAX_NAME || slash > 253) {
      throw new IllegalArgumentException("'" + part.trim() + "': '" + key + "' is not a label key ([prefix/]name, the"
          + " name at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)");
    }
    return key;
  }

  private static String value(String part, String value) {
    if (!VALUE_PATTERN.matcher(value).matches() || value.length() > MAX_NAME) {
      throw new IllegalArgumentException("'" + part.trim() + "': '" + value + "' is not a label value (at most 63"
          + " letters, digits, '-', '_' or '.', beginning and ending with a letter or digit)");
    }
    return value;
  }

  private static IllegalArgumentException notARequirement(String part) {
    return new IllegalArgumentException("'" + part.trim() + "' is not a label selector requirement (key=value,"
        + " key!=value, key in (a,b), key notin (a,b), key, !key)");
  }

  /** Splits at commas outside parentheses; an empty requirement (two commas, a trailing comma) is refused. */
  private static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    if (text.isEmpty()) {
      return parts;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      char c = i == text.length() ? ',' : text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        String part = text.substring(start, i);
        if (part.isBlank()) {
          throw notARequirement(part);
        }
        parts.add(part);
        start = i + 1;
      }
    }
    return parts;
  }

  @Override
  public String toString() {
    return text;
  }
}
