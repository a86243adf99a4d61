package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * docs/RUNBOOK.md cannot rot silently: every {@code lifeboat} command in it is one the CLI accepts,
 * and every test it names exists.
 */
class RunbookTest {
  private static final Path RUNBOOK = Path.of("..", "docs", "RUNBOOK.md");
  private static final Pattern TEST_NAME = Pattern.compile("`([A-Z][A-Za-z0-9]*(?:IT|Test))`");

  @Test
  void everyLifeboatCommandInTheRunbookParses() throws IOException {
    List<String> commands = commands();
    assertThat(commands).as("commands in the runbook").hasSizeGreaterThanOrEqualTo(6);
    for (String command : commands) {
      String[] args = command.substring("lifeboat ".length()).trim().split("\\s+");
      try {
        LifeboatCli.commandLine().parseArgs(args);
      } catch (CommandLine.ParameterException e) {
        throw new AssertionError("the runbook's `" + command + "` is refused: " + e.getMessage(), e);
      }
    }
  }

  @Test
  void everyTestTheRunbookNamesExists() throws IOException {
    Matcher m = TEST_NAME.matcher(Files.readString(RUNBOOK));
    List<String> named = new ArrayList<>();
    while (m.find()) {
      named.add(m.group(1));
    }
    assertThat(named).isNotEmpty();
    List<String> present;
    try (Stream<Path> files = Files.walk(Path.of(".."))) {
      present = files.filter(p -> p.toString().contains("src" + java.io.File.separator + "test"))
          .map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".java")).map(n -> n.substring(0, n.length() - 5))
          .toList();
    }
    assertThat(present).as("tests in the repository").containsAll(named);
  }

  /** Every line of a fenced block that starts with {@code lifeboat }. */
  private static List<String> commands() throws IOException {
    List<String> commands = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(RUNBOOK)) {
      String t = line.trim();
      if (t.startsWith("```")) {
        fenced = !fenced;
      } else if (fenced && t.startsWith("lifeboat ")) {
        commands.add(t);
      }
    }
    return commands;
  }
}
