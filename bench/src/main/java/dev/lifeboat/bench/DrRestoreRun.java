package dev.lifeboat.bench;

import dev.lifeboat.restore.VolumeMover;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code lifeboat restore --direct} run as an operator runs it: a JVM of its own, started from the
 * command line, its output kept. While it runs, the recovery cluster's data-mover pods are watched:
 * from the first one created to the last one deleted is the time spent filling volumes, which the
 * restore's own figures do not split out.
 */
final class DrRestoreRun {
  /** What the command did: exit code, wall time, output, and the mover pods' window in nanoTime. */
  record Result(int exit, double wallSeconds, String out, String err, int moverPods, long firstMoverNanos,
      long lastMoverGoneNanos) {
    /** The value of {@code name=} among the outcome's printed details. */
    Optional<String> detail(String name) {
      return out.lines().map(String::trim).filter(l -> l.startsWith(name + "=")).map(l -> l.substring(name.length() + 1))
          .findFirst();
    }

    double fillSeconds() {
      return moverPods == 0 ? 0 : (lastMoverGoneNanos - firstMoverNanos) / 1e9;
    }
  }

  private DrRestoreRun() {}

  static Result run(List<String> args, KubernetesClient recovery, Path logs) throws Exception {
    Map<String, Long> created = new ConcurrentHashMap<>();
    Map<String, Long> deleted = new ConcurrentHashMap<>();
    List<String> watchErrors = new ArrayList<>();
    Watch watch = recovery.pods().inAnyNamespace().withLabels(VolumeMover.LABELS).watch(new Watcher<Pod>() {
      @Override
      public void eventReceived(Action action, Pod pod) {
        String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        long now = System.nanoTime();
        if (action == Action.ADDED) {
          created.putIfAbsent(key, now);
        } else if (action == Action.DELETED) {
          deleted.putIfAbsent(key, now);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
        synchronized (watchErrors) {
          watchErrors.add(String.valueOf(cause));
        }
      }
    });
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", System.getProperty("java.class.path"), "dev.lifeboat.cli.LifeboatCli"));
    command.addAll(args);
    Path out = logs.resolve("restore.out");
    Path err = logs.resolve("restore.err");
    long t0 = System.nanoTime();
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    int exit = process.waitFor();
    double wall = (System.nanoTime() - t0) / 1e9;
    watch.close();
    synchronized (watchErrors) {
      if (!watchErrors.isEmpty() && !watchErrors.equals(List.of("null"))) {
        throw new IllegalStateException("the watch of the mover pods ended early: " + watchErrors);
      }
    }
    if (!deleted.keySet().containsAll(created.keySet())) {
      throw new IllegalStateException("mover pods were created but their deletion was not seen: " + created.keySet());
    }
    long first = created.values().stream().mapToLong(Long::longValue).min().orElse(0);
    long last = deleted.values().stream().mapToLong(Long::longValue).max().orElse(0);
    return new Result(exit, wall, Files.readString(out), Files.readString(err), created.size(), first, last);
  }
}
