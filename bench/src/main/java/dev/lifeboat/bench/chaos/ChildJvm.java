package dev.lifeboat.bench.chaos;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Java process of the chaos run: started with this JVM's class path, its output appended to a log
 * file, its status URL read from the line it prints when it is up. It can be killed as {@code kill -9}
 * kills (no shutdown hook runs) and started again; its heap is sampled from its status server's
 * metrics while it runs, and the highest sample kept.
 */
final class ChildJvm {
  private static final Pattern STATUS = Pattern.compile("status on (http://\\S+?)[;\\s]");
  private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.E+]+)", Pattern.MULTILINE);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final List<String> command;
  private final Path log;
  private Process process;
  private volatile String statusUrl;
  private long peakHeap;
  private int starts;

  ChildJvm(String name, String mainClass, List<String> args, String maxHeap, Path log) {
    this.name = name;
    this.log = log;
    List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + maxHeap, "-cp", System.getProperty("java.class.path"), mainClass));
    c.addAll(args);
    this.command = List.copyOf(c);
  }

  String name() {
    return name;
  }

  /** Starts the process and waits until it prints its status URL. */
  synchronized ChildJvm start(Duration timeout) {
    if (process != null && process.isAlive()) {
      return this;
    }
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, "---- start " + (++starts) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
    statusUrl = null;
    CompletableFuture<String> url = new CompletableFuture<>();
    Process started = process;
    Thread pump = new Thread(() -> pump(started, url), "chaos-output-" + name);
    pump.setDaemon(true);
    pump.start();
    try {
      statusUrl = url.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      started.destroyForcibly();
      throw new IllegalStateException(name + " did not come up within " + timeout + " (see " + log + ")", e);
    }
    return this;
  }

  private void pump(Process p, CompletableFuture<String> url) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        Matcher m = STATUS.matcher(line + " ");
        if (!url.isDone() && m.find()) {
          url.complete(m.group(1));
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
    url.completeExceptionally(new IllegalStateException(name + " ended"));
  }

  /** Kills the process as {@code kill -9} does and waits until it is gone. */
  synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Stops the process politely (its shutdown hooks run), or kills it after {@code grace}. */
  synchronized void stop(Duration grace) {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
          kill();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  String statusUrl() {
    return statusUrl;
  }

  /** Reads the process's heap in use from its metrics and keeps the highest value seen. */
  void sampleHeap() {
    String url = statusUrl;
    if (url == null || !alive()) {
      return;
    }
    try {
      String body = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = HEAP.matcher(body);
      long used = 0;
      while (m.find()) {
        used += (long) Double.parseDouble(m.group(1));
      }
      synchronized (this) {
        peakHeap = Math.max(peakHeap, used);
      }
    } catch (IOException e) {
      // not answering right now (restarting, or busy): the next sample counts
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  synchronized long peakHeap() {
    return peakHeap;
  }

  synchronized int starts() {
    return starts;
  }
}
