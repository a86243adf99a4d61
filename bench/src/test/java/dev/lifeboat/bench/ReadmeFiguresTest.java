package dev.lifeboat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every figure the README quotes from a benchmark is in docs/BENCHMARKS.md, which the benchmarks write:
 * a README that quotes an older run than the one on record, or a figure no run measured, fails here.
 * A paragraph or list item that names {@code bench/run} or docs/BENCHMARKS.md is checked: each
 * throughput, rate, ratio, duration with a decimal, or size per object in it must appear as written
 * in the section of docs/BENCHMARKS.md that the {@code bench/run NAME} it names writes (the whole file
 * when it names none); one marked approximate ({@code about}, {@code ~}) must be within 2% of a number
 * of that section. Targets ({@code ≥ 2×}, {@code < 10 s}) are not figures.
 */
class ReadmeFiguresTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path BENCHMARKS = Path.of("..", "docs", "BENCHMARKS.md");
  private static final Pattern FIGURE = Pattern.compile(
      "(?<![≥<>] ?)(?<![\\d.,])(about |~)?(\\d[\\d,]*(?:\\.\\d+)?)(?:-[\\d.]+)? ?(MB/s|objects/s|changes/s|×|MiB|GiB|ms|s\\b|B per object)");
  private static final Pattern NUMBER = Pattern.compile("\\d[\\d,]*(?:\\.\\d+)?");
  private static final Pattern RUN = Pattern.compile("bench/run (scale )?(\\w+)");

  @Test
  void everyBenchmarkFigureTheReadmeQuotesIsOnRecord() throws Exception {
    String benchmarks = Files.readString(BENCHMARKS);
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (String block : Files.readString(README).split("\n(?=\\s*\n|- |\\s*\\| )")) {
      if (!block.contains("bench/run") && !block.contains("BENCHMARKS.md")) {
        continue;
      }
      String record = sections(benchmarks, block);
      if (record == null) {
        continue; // names only benchmarks that report elsewhere (bench/run chaos: docs/RELIABILITY.md)
      }
      Matcher m = FIGURE.matcher(block.replace('\n', ' '));
      while (m.find()) {
        String number = m.group(2);
        String unit = m.group(3);
        if (unit.equals("s") && !number.contains(".") || unit.equals("MiB") && !number.contains(".")) {
          continue; // whole seconds and sizes are settings and workloads (a 5 s period, 100 MiB volumes), not results
        }
        checked++;
        double value = Double.parseDouble(number.replace(",", ""));
        boolean found = m.group(1) == null ? record.contains(number)
            : numbers(record).stream().anyMatch(r -> Math.abs(r - value) <= 0.02 * value);
        if (!found) {
          missing.add(m.group().trim() + "  in: " + block.strip().lines().findFirst().orElse(""));
        }
      }
    }
    assertThat(checked).as("figures checked").isGreaterThan(5);
    assertThat(missing).as("README figures that docs/BENCHMARKS.md does not hold").isEmpty();
  }

  /**
   * The sections of the benchmarks {@code block} names; the whole record if it names none; null if it
   * names only benchmarks that write no section here.
   */
  private static String sections(String benchmarks, String block) {
    StringBuilder text = new StringBuilder();
    boolean named = false;
    Matcher run = RUN.matcher(block);
    while (run.find()) {
      named = true;
      String name = (run.group(1) == null ? "" : "scale-") + run.group(2);
      int begin = benchmarks.indexOf("<!-- " + name + " -->");
      int end = benchmarks.indexOf("<!-- /" + name + " -->");
      if (begin >= 0 && end > begin) {
        text.append(benchmarks, begin, end);
      }
    }
    if (text.length() > 0) {
      return text.toString();
    }
    return named && !block.contains("BENCHMARKS.md") ? null : benchmarks;
  }

  private static List<Double> numbers(String text) {
    List<Double> numbers = new ArrayList<>();
    Matcher n = NUMBER.matcher(text);
    while (n.find()) {
      numbers.add(Double.parseDouble(n.group().replace(",", "")));
    }
    return numbers;
  }
}
