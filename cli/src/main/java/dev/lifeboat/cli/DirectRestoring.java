package dev.lifeboat.cli;

import dev.lifeboat.cli.client.Connection;
import dev.lifeboat.cli.client.ExitCodes;
import dev.lifeboat.commands.CommandOutcome;
import dev.lifeboat.commands.DirectRestore;
import dev.lifeboat.commands.RestoreData;
import dev.lifeboat.commands.TargetClusters;
import dev.lifeboat.commands.v1.Restore;
import dev.lifeboat.config.LifeboatConfig.KubernetesConfig;
import dev.lifeboat.config.LifeboatConfig.StoreConfig;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.restore.Progress;
import dev.lifeboat.retry.RetriableFailure;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code lifeboat restore --direct}: the restore engine in this process, reading one store (an
 * off-region copy on the day the protected region is gone) with the master key, writing into a
 * cluster of the kubeconfig. No Kafka, no schema registry, no running Lifeboat: what a recovery
 * needs is the store, the keys and the target's API.
 */
final class DirectRestoring {
  private DirectRestoring() {}

  /** @param mover the data-mover pods that write restored claims' files ({@code restore} section) */
  static int run(Connection connection, String cluster, KubernetesConfig kubernetes, dev.lifeboat.crypto.KeyRing keys,
      dev.lifeboat.restore.DataMoverSettings mover, String storeName, Restore restore, String requestedBy, PrintWriter out,
      PrintWriter err) throws Exception {
    if (connection.masterKey() == null) {
      throw new IllegalArgumentException("a direct restore needs the repository's master key: give a config with"
          + " repository.masterKey (or snapshotter.masterKey), or the demo's data directory");
    }
    StoreConfig store = connection.store(storeName);
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    BlobStore blobs = BlobStores.open(store, meters);
    byte[] masterKey = connection.masterKey();
    RestoreData data = new RestoreData(cluster, () -> blobs.get("config").isEmpty()
        ? Optional.empty() : Optional.of(Repository.open(blobs, masterKey, meters)), masterKey);
    Path kubeconfig = TargetClusters.kubeconfigOf(kubernetes.kubeconfig());
    out.println("Restoring directly from store " + storeName + " (" + store.endpoint() + ", bucket " + store.bucket()
        + ") of cluster " + cluster + ", in this process: no Kafka is used");
    out.flush();
    try (TargetClusters targets = new TargetClusters(cluster, client(kubeconfig, kubernetes.context()),
        kubeconfig, kubernetes.context());
        TerminalProgress bar = new TerminalProgress(err, System.console() != null)) {
      Progress progress = update -> bar.at(update.stage() + " " + update.unit(), update.done(), update.total());
      CommandOutcome outcome = new DirectRestore(data, targets, keys, Clock.systemUTC(), mover).run(restore, requestedBy, progress);
      bar.close();
      out.println(outcome.outcome() + " restore: " + outcome.reason());
      outcome.details().forEach((k, v) -> out.println("  " + k + "=" + v));
      out.flush();
      return ExitCodes.of(outcome.outcome());
    }
  }

  /** The client of the protected cluster's context, made when first asked for. */
  private static Supplier<KubernetesClient> client(Path kubeconfig, String context) {
    KubernetesClient[] made = {null};
    return () -> {
      synchronized (made) {
        if (made[0] == null) {
          try {
            Config config = kubeconfig == null ? Config.autoConfigure(context)
                : Config.fromKubeconfig(context, Files.readString(kubeconfig), kubeconfig.toString());
            made[0] = new KubernetesClientBuilder().withConfig(config).build();
          } catch (IOException e) {
            throw new RetriableFailure("the kubeconfig " + kubeconfig + " cannot be read: " + e.getMessage(), e);
          }
        }
        return made[0];
      }
    };
  }
}
