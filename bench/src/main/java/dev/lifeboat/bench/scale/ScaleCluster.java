package dev.lifeboat.bench.scale;

import dev.lifeboat.embedded.EmbeddedStack;
import dev.lifeboat.embedded.LocalKubernetes;
import dev.lifeboat.runtime.Bootstrap;
import dev.lifeboat.runtime.KafkaClients;
import dev.lifeboat.schemas.registry.HttpSchemaRegistryClient;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster side of {@link WatcherScaleBenchmark}, in a JVM of its own so that its heap is not
 * the watcher's: the embedded broker and schema registry, and the local Kubernetes API holding N
 * ConfigMaps of ~1 KiB in namespace {@value #NAMESPACE}. The objects are created through the API
 * (POST, several at a time), so they are in the API server's own store, with resourceVersions, as
 * any client's would be.
 *
 * <p>Prints one line {@code READY <kafka> <registry> <kubernetes> <loadMillis>} on stdout when
 * everything is loaded, then runs until its stdin closes.
 */
public final class ScaleCluster {
  static final String NAMESPACE = "scale";
  static final int PAYLOAD_CHARS = 1000;

  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    Path dir = Files.createTempDirectory("lifeboat-scale-");
    try (EmbeddedStack stack = EmbeddedStack.start(new EmbeddedStack.Options(dir, 0, 0, 0, 0, 0, 0, false, true))) {
      KafkaClients kafka = new KafkaClients(stack.bootstrapServers());
      Bootstrap.prepare(kafka, new HttpSchemaRegistryClient(stack.registryUrl()), (short) 1);
      LocalKubernetes kubernetes = stack.kubernetes().orElseThrow();
      long began = System.nanoTime();
      load(kubernetes.client(), count, threads);
      long loadMillis = (System.nanoTime() - began) / 1_000_000;
      System.out.println("READY " + stack.bootstrapServers() + " " + stack.registryUrl() + " " + kubernetes.url() + " "
          + loadMillis);
      System.out.flush();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        while (in.readLine() != null) {
          // runs until the benchmark closes our stdin
        }
      }
    } finally {
      deleteTree(dir);
    }
    System.exit(0);
  }

  /** The broker's log of a million records is gigabytes: the run leaves nothing behind. */
  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void load(KubernetesClient client, int count, int threads) throws Exception {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
    String payload = payload();
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(pool.submit(() -> {
        for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
          client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata()
              .withName(String.format("cm-%07d", i)).addToLabels("app", "scale").endMetadata()
              .addToData("index", Integer.toString(i)).addToData("payload", payload).build()).create();
          if (i > 0 && i % 100_000 == 0) {
            System.err.println("loaded " + i);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
  }

  private static String payload() {
    StringBuilder s = new StringBuilder(PAYLOAD_CHARS);
    java.util.Random random = new java.util.Random(42);
    while (s.length() < PAYLOAD_CHARS) {
      s.append((char) ('a' + random.nextInt(26)));
    }
    return s.toString();
  }
}
