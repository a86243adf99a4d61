package dev.lifeboat.config;

import java.util.List;

/** The configuration cannot be used; the message lists every problem, each naming its key. */
public class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(String source, List<String> problems) {
    super(source + " has " + problems.size() + (problems.size() == 1 ? " problem" : " problems") + ":\n  - "
        + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
