package dev.lifeboat.snapshotter;

import dev.lifeboat.repository.testing.TestStores;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.AuditEvent;
import dev.lifeboat.events.v1.RequestReason;
import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.events.v1.SnapshotRequested;
import dev.lifeboat.observe.Health;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.runtime.WorkerDefinition;
import dev.lifeboat.runtime.WorkerRuntime;
import dev.lifeboat.schemas.topics.Topics;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Source;
import dev.lifeboat.snapshotter.SnapshotRequestHandler.Taken;
import dev.lifeboat.snapshotter.etcd.EtcdSnapshotter;
import dev.lifeboat.testing.LifeboatIntegrationTest;
import dev.lifeboat.testing.Required;
import dev.lifeboat.testing.TestStack;
import io.etcd.jetcd.Client;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/** Requests on Kafka become snapshots in the repository and records on lifeboat.snapshots. */
@LifeboatIntegrationTest
class SnapshotRequestHandlerIT {

  @Test
  void etcdAndVolumeRequestsAreServedUnknownKindsAndMissingPathsFailWithAReasonAndStaleDuplicatesCoalesce(TestStack stack) throws Exception {
    Required.etcd();
    String target = "etcd-" + UUID.randomUUID().toString().substring(0, 8);
    ExecutorService uploads = Executors.newFixedThreadPool(2);
    try (Client etcd = Client.builder().endpoints(stack.stack().etcd().orElseThrow().endpoints().toArray(String[]::new)).build();
        WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"),
            new SimpleMeterRegistry(), new Health(Clock.systemUTC()), "it-")) {
      Repository repository = Repository.openOrCreate(
          TestStores.primary(stack, "handler-" + UUID.randomUUID()), new byte[32],
          ChunkerParams.DEFAULT, new SimpleMeterRegistry());
      EtcdSnapshotter snapshotter = new EtcdSnapshotter(etcd, repository, uploads, Clock.systemUTC());
      Map<SnapshotKind, Source> sources = new EnumMap<>(SnapshotKind.class);
      sources.put(SnapshotKind.ETCD, (request, id) -> {
        EtcdSnapshotter.Result r = snapshotter.snapshot("test", request.getTarget(), id, b -> {});
        return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
      });
      dev.lifeboat.snapshotter.volume.VolumeSnapshotter volumes =
          new dev.lifeboat.snapshotter.volume.VolumeSnapshotter(repository, uploads, Clock.systemUTC());
      sources.put(SnapshotKind.VOLUME, (request, id) -> {
        if (!java.nio.file.Files.isDirectory(java.nio.file.Path.of(request.getNodePath()))) {
          throw new dev.lifeboat.retry.PermanentFailure("the volume's files are not at " + request.getNodePath());
        }
        var r = volumes.snapshot(java.nio.file.Path.of(request.getNodePath()), "test", request.getTarget(), id, b -> {});
        return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
      });
      java.nio.file.Path volume = java.nio.file.Files.createTempDirectory("volume-");
      java.nio.file.Files.writeString(volume.resolve("a.txt"), "alpha");
      java.nio.file.Files.createDirectories(volume.resolve("sub"));
      java.nio.file.Files.writeString(volume.resolve("sub").resolve("b.txt"), "beta");
      String requests = stack.newTopic("snapshot-requests", 1);
      runtime.start(WorkerDefinition.of("snapshotter-" + requests, requests,
          new SnapshotRequestHandler(sources, repository, stack.events("snapshotter"), runtime.audit(), Clock.systemUTC())));

      Instant before = Instant.now();
      stack.send(requests, target, request("r1", SnapshotKind.ETCD, target, before));
      stack.send(requests, target, request("r2", SnapshotKind.ETCD, target, before)); // made before r1's snapshot started
      stack.send(requests, "ns", request("r3", SnapshotKind.RESOURCES, "shop", Instant.now()));
      stack.send(requests, "pvc-1", volumeRequest("r4", "pvc-1", volume.toString()));
      stack.send(requests, "pvc-2", volumeRequest("r5", "pvc-2", volume.resolve("missing").toString()));

      List<SnapshotCompleted> completed = stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, Duration.ofSeconds(60),
          l -> l.stream().anyMatch(c -> c.getRequestId().equals("r1")));
      SnapshotCompleted first = completed.stream().filter(c -> c.getRequestId().equals("r1")).findFirst().orElseThrow();
      assertThat(first.getKind()).isEqualTo(SnapshotKind.ETCD);
      assertThat(first.getPhase()).isEqualTo(SnapshotPhase.COMPLETED);
      assertThat(first.getDetails()).containsKeys("revision", "keys", "dbSize");
      assertThat(repository.manifests().read(first.getManifestKey())).hasValueSatisfying(m ->
          assertThat(m.snapshotId()).isEqualTo(first.getSnapshotId()));
      assertThat(repository.store().get(first.getManifestKey()).map(b -> dev.lifeboat.repository.ManifestStore.sha256(b)))
          .hasValue(first.getManifestSha256());

      List<SnapshotFailed> failed = stack.read(Topics.SNAPSHOTS, SnapshotFailed.class, Duration.ofSeconds(30),
          l -> l.stream().anyMatch(f -> f.getRequestId().equals("r3")));
      assertThat(failed).filteredOn(f -> f.getRequestId().equals("r3")).singleElement().satisfies(f -> {
        assertThat(f.getRetriable()).isFalse();
        assertThat(f.getReason()).contains("takes no RESOURCES snapshots");
      });
      SnapshotCompleted volumeSnapshot = stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, Duration.ofSeconds(60),
          l -> l.stream().anyMatch(c -> c.getRequestId().equals("r4"))).stream().filter(c -> c.getRequestId().equals("r4"))
          .findFirst().orElseThrow();
      assertThat(volumeSnapshot.getKind()).isEqualTo(SnapshotKind.VOLUME);
      assertThat(volumeSnapshot.getPhase()).isEqualTo(SnapshotPhase.COMPLETED);
      assertThat(volumeSnapshot.getTotalBytes()).isEqualTo(9);
      assertThat(repository.manifests().read(volumeSnapshot.getManifestKey()).orElseThrow().files())
          .extracting(f -> f.path()).contains("a.txt", "sub", "sub/b.txt");
      assertThat(stack.read(Topics.SNAPSHOTS, SnapshotFailed.class, Duration.ofSeconds(30),
          l -> l.stream().anyMatch(f -> f.getRequestId().equals("r5"))))
          .filteredOn(f -> f.getRequestId().equals("r5")).singleElement()
          .satisfies(f -> assertThat(f.getReason()).contains("the volume's files are not at"));
      List<AuditEvent> audit = stack.read(Topics.AUDIT, AuditEvent.class, Duration.ofSeconds(30),
          l -> l.stream().anyMatch(e -> e.getAction().equals("snapshot.coalesced") && "r2".equals(e.getHeader().getCorrelationId())));
      assertThat(audit).anyMatch(e -> e.getAction().equals("snapshot.coalesced") && "r2".equals(e.getHeader().getCorrelationId()));
      assertThat(stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, Duration.ofSeconds(2), l -> false))
          .noneMatch(c -> c.getRequestId().equals("r2"));
    } finally {
      uploads.shutdownNow();
    }
  }

  @Test
  void whileTheStoreIsDownTheRequestWaitsOnKafkaAndIsServedWhenItReturns(TestStack stack) throws Exception {
    ExecutorService uploads = Executors.newFixedThreadPool(2);
    dev.lifeboat.repository.blob.FaultInjectingBlobStore store =
        new dev.lifeboat.repository.blob.FaultInjectingBlobStore(TestStores.primary(stack, "outage-" + UUID.randomUUID()));
    try (WorkerRuntime runtime = new WorkerRuntime(stack.kafka(), stack.registry(), stack.events("snapshotter"),
        new SimpleMeterRegistry(), new Health(Clock.systemUTC()), "it-")) {
      Repository repository = Repository.openOrCreate(store, new byte[32], ChunkerParams.DEFAULT, new SimpleMeterRegistry());
      var volumes = new dev.lifeboat.snapshotter.volume.VolumeSnapshotter(repository, uploads, Clock.systemUTC());
      Map<SnapshotKind, Source> sources = Map.of(SnapshotKind.VOLUME, (request, id) -> {
        var r = volumes.snapshot(java.nio.file.Path.of(request.getNodePath()), "test", request.getTarget(), id, b -> {});
        return new Taken(r.manifest(), r.written(), r.newChunks(), r.newBytes());
      });
      java.nio.file.Path volume = java.nio.file.Files.createTempDirectory("volume-");
      java.nio.file.Files.writeString(volume.resolve("data.txt"), "kept through an outage");
      String requests = stack.newTopic("snapshot-requests", 1);
      runtime.start(WorkerDefinition.of("snapshotter-" + requests, requests,
          new SnapshotRequestHandler(sources, repository, stack.events("snapshotter"), runtime.audit(), Clock.systemUTC())));

      store.failAll(dev.lifeboat.repository.blob.FaultInjectingBlobStore.Fault.RETRIABLE);
      stack.send(requests, "pvc-9", volumeRequest("outage-1", "pvc-9", volume.toString()));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (store.injected() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(store.injected()).as("the request was tried, and tried again, while the store was down").isGreaterThanOrEqualTo(3);
      assertThat(stack.read(Topics.SNAPSHOTS, SnapshotFailed.class, Duration.ofSeconds(2), l -> false))
          .as("an outage is no reason to give up on a request").noneMatch(f -> f.getRequestId().equals("outage-1"));

      store.heal();
      SnapshotCompleted done = stack.read(Topics.SNAPSHOTS, SnapshotCompleted.class, Duration.ofSeconds(60),
          l -> l.stream().anyMatch(c -> c.getRequestId().equals("outage-1"))).stream()
          .filter(c -> c.getRequestId().equals("outage-1")).findFirst().orElseThrow();
      assertThat(done.getPhase()).isEqualTo(SnapshotPhase.COMPLETED);
      assertThat(repository.manifests().read(done.getManifestKey())).isPresent();
    } finally {
      uploads.shutdownNow();
    }
  }

  private static SnapshotRequested volumeRequest(String id, String pvc, String nodePath) {
    return SnapshotRequested.newBuilder(request(id, SnapshotKind.VOLUME, pvc, Instant.now()))
        .setReason(RequestReason.VOLUME_EVENT).setNode("node-1").setNodePath(nodePath).build();
  }

  private static SnapshotRequested request(String id, SnapshotKind kind, String target, Instant at) {
    return SnapshotRequested.newBuilder()
        .setHeader(dev.lifeboat.events.v1.Header.newBuilder().setEventId(UUID.randomUUID().toString()).setTime(at)
            .setCluster("test").setSource("it").setCorrelationId(id).build())
        .setRequestId(id).setKind(kind).setTarget(target).setReason(RequestReason.COMMAND).build();
  }
}
