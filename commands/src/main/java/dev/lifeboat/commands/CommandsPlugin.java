package dev.lifeboat.commands;

import dev.lifeboat.config.ConfigSection;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.crypto.KeyRing;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.WorkerPlugin;
import dev.lifeboat.schedule.VolumePolicies;
import java.util.List;
import java.util.Optional;

/**
 * Joins the commands worker to a Lifeboat process: Restore, SnapshotNow, VerifyNow and Cancel from
 * {@code lifeboat.commands}, answered on {@code lifeboat.audit}. Restores read the primary store's
 * repository with {@code snapshotter.masterKey}; they go to the protected cluster, or to another
 * context of the configured kubeconfig.
 */
public final class CommandsPlugin implements WorkerPlugin {

  @Override
  public String name() {
    return CommandsWorker.NAME;
  }

  /** The {@code restore} section: the data-mover pods of restores with volume data. */
  @Override
  public List<ConfigSection<?>> configSections() {
    return List.of(RestoreConfig.SECTION);
  }

  @Override
  public AutoCloseable start(ProcessContext context) {
    LifeboatConfig config = context.config();
    String cluster = config.cluster().name();
    byte[] masterKey = config.masterKey();
    RestoreData data = null;
    if (masterKey != null) {
      BlobStore store = BlobStores.open(config.stores().primary(), context.meters());
      data = new RestoreData(cluster, () -> store.get("config").isEmpty()
          ? Optional.empty()
          : Optional.of(Repository.open(store, masterKey, context.meters())), masterKey);
    }
    TargetClusters targets = new TargetClusters(cluster, context.kubernetes(),
        TargetClusters.kubeconfigOf(config.kubernetes().kubeconfig()), config.kubernetes().context());
    // every restore, of every kind and dry runs included, goes through the restore engine (RestoreService)
    // an application recovery point snapshots each claim the way the watcher's volume policies say
    CommandsSettings settings = CommandsSettings.defaults()
        .withVolumePolicies(VolumePolicies.declaredIn(config).policies())
        .withDataMover(config.section(RestoreConfig.SECTION).dataMover());
    return CommandsWorker.start(context.runtime(), context.events(), settings, data, targets,
        config.encryption().map(KeyRing::from).orElse(null));
  }
}
