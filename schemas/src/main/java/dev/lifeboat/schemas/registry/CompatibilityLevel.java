package dev.lifeboat.schemas.registry;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How a new version of a subject must relate to the versions before it, with the names and
 * meanings of Confluent's schema registry.
 */
public enum CompatibilityLevel {
  /** No check. */
  NONE(false, false, false),
  /** The new schema can read data written with the latest version. */
  BACKWARD(true, false, false),
  /** The new schema can read data written with every earlier version. */
  BACKWARD_TRANSITIVE(true, false, true),
  /** The latest version can read data written with the new schema. */
  FORWARD(false, true, false),
  /** Every earlier version can read data written with the new schema. */
  FORWARD_TRANSITIVE(false, true, true),
  /** Both BACKWARD and FORWARD against the latest version. */
  FULL(true, true, false),
  /** Both BACKWARD and FORWARD against every earlier version. */
  FULL_TRANSITIVE(true, true, true);

  /** The level of a registry on which nobody set one. */
  public static final CompatibilityLevel DEFAULT = BACKWARD;

  private final boolean backward;
  private final boolean forward;
  private final boolean transitive;

  CompatibilityLevel(boolean backward, boolean forward, boolean transitive) {
    this.backward = backward;
    this.forward = forward;
    this.transitive = transitive;
  }

  /** Whether the new schema must read data written with the earlier ones. */
  public boolean backward() {
    return backward;
  }

  /** Whether the earlier schemas must read data written with the new one. */
  public boolean forward() {
    return forward;
  }

  /** Whether every earlier version is checked, not only the latest. */
  public boolean transitive() {
    return transitive;
  }

  /** The level with this name, ignoring case; empty for anything else. */
  public static Optional<CompatibilityLevel> forName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String wanted = name.trim().toUpperCase(Locale.ROOT);
    return Arrays.stream(values()).filter(level -> level.name().equals(wanted)).findFirst();
  }

  /** The valid names, for error messages. */
  public static String validNames() {
    return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
  }
}
