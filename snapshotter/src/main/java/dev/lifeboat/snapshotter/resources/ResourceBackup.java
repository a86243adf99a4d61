package dev.lifeboat.snapshotter.resources;

import dev.lifeboat.audit.EventFactory;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.WorkerContext;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Source;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Taken;
import dev.lifeboat.snapshotter.SnapshotterConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything resource backup runs in a snapshotter process: the state table (Kafka Streams), the
 * change-log archiver (a batch worker of the runtime, supervised on a thread of its own, unless {@code
 * snapshotter.changelogEvery} is zero) and the {@code RESOURCES} snapshot source. The scheduled
 * snapshots of the whole cluster are requested by the snapshotter's {@code SnapshotSchedule}.
 */
public final class ResourceBackup implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResourceBackup.class);

  private final ResourceStateTable table;
  private final ChangeLogArchiver archiver;
  private final Thread archiverThread;
  private final ResourceSnapshotter snapshotter;

  private ResourceBackup(ResourceStateTable table, ChangeLogArchiver archiver, ResourceSnapshotter snapshotter) {
    this.table = table;
    this.archiver = archiver;
    this.snapshotter = snapshotter;
    this.archiverThread = archiver == null ? null : new Thread(archiver, "lifeboat-changelog-archiver");
  }

  /** Starts the table and the archiver of the process's cluster, with the production topics. */
  public static ResourceBackup start(ProcessContext context, Repository repository, ExecutorService uploads,
      EventFactory events) {
    SnapshotterConfig config = context.config().section(SnapshotterConfig.SECTION);
    WorkerContext worker = context.runtime().context();
    String cluster = events.cluster();
    ResourceStateTable.Settings tableSettings = ResourceStateTable.Settings.of(cluster,
        context.config().kafka().replicationFactor());
    ChangeLogArchiver.Settings archiverSettings = config.changelogEvery().isZero() ? null
        : ChangeLogArchiver.Settings.of(cluster, context.config().kafka().groupPrefix(), config.changelogEvery(),
            repository.describe());
    return start(tableSettings, archiverSettings, worker, events, repository,
        archiverSettings == null ? null : SegmentStore.open(repository, context.config().masterKey()), uploads);
  }

  /** Starts the given table and (when {@code archiverSettings} is not null) archiver. */
  public static ResourceBackup start(ResourceStateTable.Settings tableSettings, ChangeLogArchiver.Settings archiverSettings,
      WorkerContext worker, EventFactory events, Repository repository, SegmentStore segments, ExecutorService uploads) {
    ResourceStateTable table = new ResourceStateTable(tableSettings, worker);
    ChangeLogArchiver archiver = archiverSettings == null ? null
        : new ChangeLogArchiver(archiverSettings, worker, events, segments);
    ResourceSnapshotter snapshotter = new ResourceSnapshotter(ResourceSnapshotter.Settings.of(tableSettings),
        worker.kafka(), worker.deserializer(), repository, uploads, worker.clock(),
        Path.of(System.getProperty("java.io.tmpdir")));
    ResourceBackup backup = new ResourceBackup(table, archiver, snapshotter);
    table.start();
    if (backup.archiverThread != null) {
      backup.archiverThread.start();
    }
    return backup;
  }

  /** Takes RESOURCES snapshots for the request handler. */
  public Source source() {
    return (request, snapshotId) -> {
      ResourceSnapshotter.Result r = snapshotter.snapshot(request.getTarget(), snapshotId);
      return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
    };
  }

  public ResourceStateTable table() {
    return table;
  }

  public ResourceSnapshotter snapshotter() {
    return snapshotter;
  }

  @Override
  public void close() {
    if (archiver != null) {
      archiver.stop();
      try {
        archiverThread.join(Duration.ofSeconds(30).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    table.close();
  }
}
