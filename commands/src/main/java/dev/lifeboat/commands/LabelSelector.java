package dev.lifeboat.commands;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector as kubectl takes it: {@code app=web,tier!=cache,env in (a,b),!legacy,
 * owner}: requirements joined by commas, all of which must hold.
 */
public final class LabelSelector {
  private static final String KEY = "[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?";
  private static final String VALUE = "([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?";
  private static final Pattern SET = Pattern.compile("(" + KEY + ")\\s+(in|notin)\\s+\\(([^)]*)\\)");
  private static final Pattern EQUALITY = Pattern.compile("(" + KEY + ")\\s*(==|=|!=)\\s*(" + VALUE + ")");
  private static final Pattern EXISTS = Pattern.compile("(!?)(" + KEY + ")");

  private record Requirement(String key, String operator, Set<String> values) {
    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case "=", "==", "in" -> value != null && values.contains(value);
        case "!=", "notin" -> value == null || !values.contains(value);
        case "exists" -> value != null;
        case "!exists" -> value == null;
        default -> throw new IllegalStateException(operator);
      };
    }
  }

  private final List<Requirement> requirements;
  private final String text;

  private LabelSelector(String text, List<Requirement> requirements) {
    this.text = text;
    this.requirements = requirements;
  }

  /** @throws IllegalArgumentException naming the requirement that is not a selector */
  public static LabelSelector parse(String text) {
    List<Requirement> requirements = new ArrayList<>();
    for (String part : split(text)) {
      String p = part.trim();
      Matcher m;
      if ((m = SET.matcher(p)).matches()) {
        Set<String> values = Set.copyOf(Arrays.stream(m.group(4).split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList());
        requirements.add(new Requirement(m.group(1), m.group(3), values));
      } else if ((m = EQUALITY.matcher(p)).matches()) {
        requirements.add(new Requirement(m.group(1), m.group(3), Set.of(m.group(4))));
      } else if ((m = EXISTS.matcher(p)).matches()) {
        requirements.add(new Requirement(m.group(2), m.group(1).isEmpty() ? "exists" : "!exists", Set.of()));
      } else {
        throw new IllegalArgumentException("'" + p + "' is not a label selector requirement (key=value, key!=value,"
            + " key in (a,b), key notin (a,b), key, !key)");
      }
    }
    if (requirements.isEmpty()) {
      throw new IllegalArgumentException("the label selector is empty");
    }
    return new LabelSelector(text, List.copyOf(requirements));
  }

  public boolean matches(Map<String, String> labels) {
    return requirements.stream().allMatch(r -> r.matches(labels == null ? Map.of() : labels));
  }

  /** Commas inside parentheses belong to a set. */
  private static List<String> split(String text) {
    List<String> parts = new ArrayList<>();
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
    return parts.stream().filter(p -> !p.isBlank()).toList();
  }

  @Override
  public String toString() {
    return text;
  }
}
