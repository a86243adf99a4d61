package dev.lifeboat.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One configuration key, declared once: its name, documentation, default, parser and validation.
 * A key without a default is required.
 */
public final class Field<T> {
  /** What an error shows instead of a secret's value. */
  public static final String HIDDEN = "(hidden)";

  private final String name;
  private final String doc;
  private final T defaultValue;
  private final boolean required;
  private final String type;
  private final Function<JsonNode, T> parser;
  private final Predicate<T> validator;
  private final String validDescription;
  private final boolean secret;

  private Field(String name, String doc, T defaultValue, boolean required, String type,
      Function<JsonNode, T> parser, Predicate<T> validator, String validDescription) {
    this(name, doc, defaultValue, required, type, parser, validator, validDescription, false);
  }

  private Field(String name, String doc, T defaultValue, boolean required, String type,
      Function<JsonNode, T> parser, Predicate<T> validator, String validDescription, boolean secret) {
    this.name = name;
    this.doc = doc;
    this.defaultValue = defaultValue;
    this.required = required;
    this.type = type;
    this.parser = parser;
    this.validator = validator;
    this.validDescription = validDescription;
    this.secret = secret;
  }

  public static Field<String> string(String name, String doc) {
    return new Field<>(name, doc, null, true, "string", Field::text, v -> true, null);
  }

  public static Field<Integer> integer(String name, String doc) {
    return new Field<>(name, doc, null, true, "integer", node -> {
      if (node.isIntegralNumber() || node.isTextual() && node.asText().matches("-?\\d+")) {
        return Integer.parseInt(node.asText());
      }
      throw new IllegalArgumentException("expected a whole number");
    }, v -> true, null);
  }

  /** A decimal number: {@code 0.25}, {@code 1}. */
  public static Field<Double> number(String name, String doc) {
    return new Field<>(name, doc, null, true, "number", node -> {
      if (node.isNumber() || node.isTextual() && node.asText().trim().matches("-?\\d+(\\.\\d+)?")) {
        return Double.parseDouble(node.asText().trim());
      }
      throw new IllegalArgumentException("expected a number");
    }, v -> true, null);
  }

  public static Field<Boolean> bool(String name, String doc) {
    return new Field<>(name, doc, null, true, "boolean", node -> {
      String text = node.asText();
      if (node.isBoolean() || text.equals("true") || text.equals("false")) {
        return Boolean.parseBoolean(text);
      }
      throw new IllegalArgumentException("expected true or false");
    }, v -> true, null);
  }

  /** A duration as ISO-8601 ({@code PT30S}) or a number with a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}. */
  public static Field<java.time.Duration> duration(String name, String doc) {
    return new Field<>(name, doc, null, true, "duration", node -> parseDuration(text(node)), v -> true, null);
  }

  /** A duration as the configuration writes it: 30s, 5m, 1h, 7d, 250ms, or ISO-8601 (PT30S). */
  public static java.time.Duration parseDuration(String text) {
    String value = text.trim();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(value);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> java.time.Duration.ofMillis(n);
        case "s" -> java.time.Duration.ofSeconds(n);
        case "m" -> java.time.Duration.ofMinutes(n);
        case "h" -> java.time.Duration.ofHours(n);
        default -> java.time.Duration.ofDays(n);
      };
    }
    try {
      return java.time.Duration.parse(value);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("expected a duration such as 30s, 5m, 1h, 7d or PT30S");
    }
  }

  public static Field<List<String>> strings(String name, String doc) {
    return new Field<>(name, doc, null, true, "list of strings", node -> {
      List<String> values = new ArrayList<>();
      if (node.isArray()) {
        node.forEach(n -> values.add(text(n)));
      } else {
        for (String part : text(node).split(",")) {
          if (!part.isBlank()) {
            values.add(part.trim());
          }
        }
      }
      return List.copyOf(values);
    }, v -> true, null);
  }

  private static String text(JsonNode node) {
    if (node.isContainerNode()) {
      throw new IllegalArgumentException("expected a single value, found " + (node.isArray() ? "a list" : "a map"));
    }
    return node.asText();
  }

  /** The key becomes optional, with this value when absent. */
  public Field<T> withDefault(T value) {
    return new Field<>(name, doc, value, false, type, parser, validator, validDescription, secret);
  }

  /** The key becomes optional, absent meaning null. */
  public Field<T> optional() {
    return new Field<>(name, doc, null, false, type, parser, validator, validDescription, secret);
  }

  /** Adds a check; {@code whatIsValid} finishes the sentence "valid values are ...". */
  public Field<T> validate(Predicate<T> check, String whatIsValid) {
    return new Field<>(name, doc, defaultValue, required, type, parser, validator.and(check), whatIsValid, secret);
  }

  /** The value is a secret (a password, a key): an error about it never shows the value. */
  public Field<T> secret() {
    return new Field<>(name, doc, defaultValue, required, type, parser, validator, validDescription, true);
  }

  public boolean isSecret() {
    return secret;
  }

  public String name() {
    return name;
  }

  public String doc() {
    return doc;
  }

  public T defaultValue() {
    return defaultValue;
  }

  public boolean required() {
    return required;
  }

  public String type() {
    return type;
  }

  public String validDescription() {
    return validDescription;
  }

  /** Parses and validates; problems go to {@code errors} with the key's full path, and null is returned. */
  T read(JsonNode node, String path, List<String> errors) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      if (required) {
        errors.add(path + " is required: " + doc);
      }
      return defaultValue;
    }
    T value;
    String shown = secret ? HIDDEN : node.toString();
    try {
      value = parser.apply(node);
    } catch (RuntimeException e) {
      errors.add(path + " = " + shown + " is invalid: " + e.getMessage());
      return null;
    }
    if (!validator.test(value)) {
      errors.add(path + " = " + shown + " is invalid" + (validDescription == null ? "" : ": valid values are " + validDescription));
      return null;
    }
    return value;
  }

  @Override
  public String toString() {
    return name + " (" + type + (required ? ", required" : ", default " + Objects.toString(defaultValue, "none")) + ")";
  }
}
