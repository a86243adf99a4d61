package dev.lifeboat.snapshotter;

import dev.lifeboat.config.RetentionConfig;
import dev.lifeboat.events.v1.AuditOutcome;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.retry.Retry;
import dev.lifeboat.runtime.ProcessContext;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.WorkerPlugin;
import dev.lifeboat.lease.SingletonDuty;
import dev.lifeboat.schedule.SnapshotSchedule;
import dev.lifeboat.schemas.audit.AuditActions;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Source;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Taken;
import dev.lifeboat.snapshotter.controlplane.ControlPlaneFollower;
import dev.lifeboat.snapshotter.controlplane.ControlPlaneSource;
import dev.lifeboat.snapshotter.csi.CsiSnapshotter;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.snapshotter.resources.ResourceBackup;
import dev.lifeboat.snapshotter.volume.VolumeSnapshotter;
import io.etcd.jetcd.Client;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the snapshotter to a Lifeboat process: opens (or creates) the repository in the primary
 * store, serves {@code lifeboat.snapshot-requests} (etcd; volumes read from their node path; volumes
 * whose request says {@code method=csi} through a CSI VolumeSnapshot) and, when etcd is configured,
 * requests an etcd snapshot every {@code snapshotter.etcdEvery}. It also runs resource backup
 * ({@link ResourceBackup}: the state table, the change-log archive and resource snapshots every
 * {@code snapshotter.resourcesEvery}), and retention with garbage collection every {@code
 * retention.gcEvery}. With {@code snapshotter.nodeName} set it runs as that node's volume agent,
 * which serves file-level requests for that node only; CSI requests are left to the cluster-wide
 * snapshotter; with {@code snapshotter.controlPlane.enabled} it also snapshots its node's control-plane
 * files beside every etcd snapshot.
 */
public final class SnapshotterPlugin implements WorkerPlugin {
  private static final Logger log = LoggerFactory.getLogger(SnapshotterPlugin.class);

  @Override
  public String name() {
    return "snapshotter";
  }

  @Override
  public java.util.List<dev.lifeboat.config.ConfigSection<?>> configSections() {
    return java.util.List.of(SnapshotterConfig.SECTION);
  }

  @Override
  public AutoCloseable start(ProcessContext context) {
    SnapshotterConfig config = context.config().section(SnapshotterConfig.SECTION);
    if (!config.enabled()) {
      return () -> {};
    }
    var runtime = context.runtime();
    BlobStore store = BlobStores.open(context.config().stores().primary(), context.meters());
    Repository repository = Retry.withDefaults().call("open the repository in " + store.describe(),
        () -> Repository.openOrCreate(store, context.config().masterKey(), ChunkerParams.DEFAULT, context.meters()));
    ExecutorService uploads = Executors.newFixedThreadPool(config.uploadThreads(), r -> {
      Thread t = new Thread(r, "lifeboat-snapshot-upload");
      t.setDaemon(true);
      return t;
    });
    Map<SnapshotKind, Source> sources = new EnumMap<>(SnapshotKind.class);
    boolean nodeAgent = !config.nodeName().isEmpty();
    // A node agent reads the volumes of its own node only; the cluster-wide snapshotter takes etcd
    // (and, with no node agents, every volume whose files it can reach).
    Client etcd = nodeAgent ? null : context.config().etcd().map(EtcdClients::connect).orElse(null);
    VolumeSnapshotter volumes = new VolumeSnapshotter(repository, uploads, context.events().clock());
    sources.put(SnapshotKind.VOLUME, new VolumeSource(volumes, () -> new CsiSnapshotter(context.kubernetes().get(),
        repository, context.events().clock(), config.csiTimeout(), config.csiSnapshotClass()), context.events().cluster(),
        config.nodeName()));
    String cluster = context.events().cluster();
    if (etcd != null) {
      EtcdSnapshotter snapshotter = new EtcdSnapshotter(etcd, context.config().etcd().orElseThrow().endpoints(), repository,
          uploads, context.events().clock());
      sources.put(SnapshotKind.ETCD, (request, id) -> {
        EtcdSnapshotter.Result r = snapshotter.snapshot(cluster, request.getTarget(), id, bytes -> {});
        return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
      });
    }
    var events = context.events().forSource("snapshotter");
    // Resource backup runs once per cluster, like etcd's: never on node agents.
    ResourceBackup resources = nodeAgent ? null : ResourceBackup.start(context, repository, uploads, events);
    if (resources != null) {
      sources.put(SnapshotKind.RESOURCES, resources.source());
    }
    // Node agents each read every request (a group of their own) and serve those for their node.
    String worker = nodeAgent ? "snapshotter-node-" + config.nodeName() : "snapshotter";
    runtime.start(WorkerDefinition.of(worker, Topics.SNAPSHOT_REQUESTS,
        new SnapshotRequestHandler(sources, repository, events, runtime.audit(), events.clock())
            .servingOnly(request -> nodeAgent
                ? request.getKind() == SnapshotKind.VOLUME && !CsiSnapshotter.wants(request)
                    && config.nodeName().equals(request.getNode())
                : true)));
    // A node agent on a control-plane node snapshots its PKI and static pod manifests beside each etcd snapshot
    // (controlplane/DESIGN.md).
    if (nodeAgent && config.controlPlane().enabled()) {
      ControlPlaneSource controlPlane = new ControlPlaneSource(volumes, cluster, config.nodeName(), config.controlPlane().paths());
      runtime.start(new ControlPlaneFollower(config.nodeName(), controlPlane, repository, events, runtime.audit(),
          events.clock()).worker(Topics.SNAPSHOTS));
      log.info("Snapshotter taking the control-plane files {} of node {} beside each etcd snapshot",
          config.controlPlane().paths(), config.nodeName());
    }
    // When each snapshot is taken is decided in one place: dev.lifeboat.schedule (see its DESIGN.md).
    RetentionConfig retention = context.config().retention();
    RepositoryMaintenance maintenance = nodeAgent ? null : new RepositoryMaintenance(repository, retention, runtime.audit(),
        context.meters(), context.events().clock());
    Supplier<SnapshotSchedule> schedules = () -> {
      SnapshotSchedule schedule = new SnapshotSchedule(runtime.context(), events);
      if (etcd != null) {
        schedule.requestEvery(SnapshotKind.ETCD, "etcd", config.etcdEvery(), Duration.ofSeconds(10));
      }
      if (resources != null) {
        schedule.requestEvery(SnapshotKind.RESOURCES, ResourceSnapshots.WHOLE_CLUSTER, config.resourcesEvery(),
            Duration.ofSeconds(30));
      }
      if (maintenance != null) {
        schedule.runEvery("retention and garbage collection", retention.gcEvery(), maintenance::run);
      }
      return schedule;
    };
    // The schedules and garbage collection run once per cluster: behind a lease when leaderElection is on.
    AutoCloseable schedule = nodeAgent ? () -> {} : SingletonDuty.start("lifeboat-snapshotter", context, schedules);
    runtime.audit().component(AuditActions.START, "snapshotter", AuditOutcome.INFO).detail("repository", repository.describe())
        .detail("kinds", sources.keySet()).publish();
    log.info("Snapshotter serving {} into {}", sources.keySet(), repository.describe());
    return () -> {
      closeQuietly(schedule);
      if (resources != null) {
        resources.close();
      }
      uploads.shutdown();
      if (etcd != null) {
        etcd.close();
      }
      runtime.audit().component(AuditActions.STOP, "snapshotter", AuditOutcome.INFO).publish();
    };
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      log.warn("Could not stop the snapshot schedules cleanly: {}", e.toString());
    }
  }
}
