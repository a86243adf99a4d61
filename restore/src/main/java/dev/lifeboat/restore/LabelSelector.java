package dev.lifeboat.restore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A label selector in kubectl's syntax, evaluated locally: requirements separated by commas, all of
 * which must hold: {@code key=value} (or {@code ==}), {@code key!=value}, {@code key in (a,b)},
 * {@code key notin (a,b)}, {@code key} (exists) and {@code !key} (does not exist). Null or blank
 * selects everything.
 */
public final class LabelSelector {
  private static final Pattern SET = Pattern.compile("^\\s*([^\\s!=,()]+)\\s+(in|notin)\\s*\\(([^)]*)\\)\\s*$");
  private static final Pattern EQUALITY = Pattern.compile("^\\s*([^\\s!=,()]+)\\s*(==|=|!=)\\s*([^\\s!=,()]*)\\s*$");
  private static final Pattern EXISTS = Pattern.compile("^\\s*(!?)\\s*([^\\s!=,()]+)\\s*$");

  private record Requirement(String key, String operator, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case "in", "=" -> value != null && values.contains(value);
        case "notin", "!=" -> value == null || !values.contains(value);
        case "exists" -> value != null;
        default -> value == null; // "!"
      };
    }
  }

  private final String text;
  private final List<Requirement> requirements = new ArrayList<>();

  /** @throws IllegalArgumentException naming the requirement that cannot be read */
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
      Set<String> values = new java.util.HashSet<>();
      for (String v : m.group(3).split(",")) {
        if (!v.isBlank()) {
          values.add(v.trim());
        }
      }
      return new Requirement(m.group(1), m.group(2), values);
    }
    m = EQUALITY.matcher(part);
    if (m.matches()) {
      return new Requirement(m.group(1), m.group(2).equals("!=") ? "!=" : "=", Set.of(m.group(3)));
    }
    m = EXISTS.matcher(part);
    if (m.matches()) {
      return new Requirement(m.group(2), m.group(1).isEmpty() ? "exists" : "!", Set.of());
    }
    throw new IllegalArgumentException("label selector requirement '" + part.trim() + "' is not one of key=value, "
        + "key!=value, key in (a,b), key notin (a,b), key, !key");
  }

  /** Splits at commas outside parentheses. */
  private static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
    if (text.isEmpty()) {
      return parts;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }

  @Override
  public String toString() {
    return text;
  }
}
