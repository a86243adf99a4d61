package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A label selector ({@code app=web,tier in (a,b),!legacy}) and a field selector ({@code
 * metadata.name=x,status.phase!=Failed}) of a list or watch, as one test of an object. Field
 * selectors accept any dotted path; a real API server accepts only the fields each kind indexes.
 */
final class Selector implements Predicate<JsonNode> {

  static final Selector ALL = new Selector(List.of());

  private final List<Predicate<JsonNode>> requirements;

  private Selector(List<Predicate<JsonNode>> requirements) {
    this.requirements = requirements;
  }

  static Selector of(String labelSelector, String fieldSelector) {
    List<Predicate<JsonNode>> requirements = new ArrayList<>();
    if (labelSelector != null && !labelSelector.isBlank()) {
      for (String term : split(labelSelector)) {
        requirements.add(label(term.trim()));
      }
    }
    if (fieldSelector != null && !fieldSelector.isBlank()) {
      for (String term : split(fieldSelector)) {
        requirements.add(field(term.trim()));
      }
    }
    return requirements.isEmpty() ? ALL : new Selector(requirements);
  }

  @Override
  public boolean test(JsonNode object) {
    for (Predicate<JsonNode> requirement : requirements) {
      if (!requirement.test(object)) {
        return false;
      }
    }
    return true;
  }

  private static Predicate<JsonNode> label(String term) {
    String lower = " " + term + " ";
    int in = lower.indexOf(" in ");
    int notIn = lower.indexOf(" notin ");
    if (notIn >= 0 || in >= 0) {
      boolean negate = notIn >= 0;
      String key = term.substring(0, negate ? notIn : in).trim();
      String rest = term.substring((negate ? notIn : in) + (negate ? 6 : 3)).trim();
      if (!rest.startsWith("(") || !rest.endsWith(")")) {
        throw ApiException.badRequest("unable to parse requirement: " + term);
      }
      Set<String> values = Set.copyOf(trimAll(rest.substring(1, rest.length() - 1).split(",")));
      return o -> {
        JsonNode value = o.path("metadata").path("labels").get(key);
        boolean member = value != null && values.contains(value.asText());
        return negate ? !member : member;
      };
    }
    if (term.startsWith("!")) {
      String key = term.substring(1).trim();
      return o -> !o.path("metadata").path("labels").has(key);
    }
    String[] parts = operator(term);
    if (parts == null) {
      return o -> o.path("metadata").path("labels").has(term);
    }
    return compare(parts, o -> o.path("metadata").path("labels").get(parts[0]));
  }

  private static Predicate<JsonNode> field(String term) {
    String[] parts = operator(term);
    if (parts == null) {
      throw ApiException.badRequest("invalid field selector: " + term);
    }
    String[] path = parts[0].split("\\.");
    return compare(parts, o -> {
      JsonNode node = o;
      for (String p : path) {
        node = node.path(p);
      }
      return node.isMissingNode() ? null : node;
    });
  }

  /** {@code [key, operator, value]} for {@code =}, {@code ==} and {@code !=}; null for none. */
  private static String[] operator(String term) {
    int ne = term.indexOf("!=");
    if (ne >= 0) {
      return new String[] {term.substring(0, ne).trim(), "!=", term.substring(ne + 2).trim()};
    }
    int eq = term.indexOf("==");
    if (eq >= 0) {
      return new String[] {term.substring(0, eq).trim(), "=", term.substring(eq + 2).trim()};
    }
    int single = term.indexOf('=');
    if (single >= 0) {
      return new String[] {term.substring(0, single).trim(), "=", term.substring(single + 1).trim()};
    }
    return null;
  }

  private static Predicate<JsonNode> compare(String[] parts, java.util.function.Function<JsonNode, JsonNode> read) {
    boolean equal = parts[1].equals("=");
    String expected = parts[2];
    return o -> {
      JsonNode value = read.apply(o);
      String actual = value == null || value.isNull() ? "" : value.asText();
      return equal == actual.equals(expected);
    };
  }

  /** Splits at commas outside parentheses. */
  private static List<String> split(String selector) {
    List<String> terms = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        terms.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    terms.add(selector.substring(start));
    terms.removeIf(String::isBlank);
    return terms;
  }

  private static List<String> trimAll(String[] values) {
    List<String> trimmed = new ArrayList<>();
    for (String v : values) {
      trimmed.add(v.trim());
    }
    return trimmed;
  }
}
