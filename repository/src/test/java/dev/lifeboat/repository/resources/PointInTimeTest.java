package dev.lifeboat.repository.resources;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.blob.InMemoryBlobStore;
import dev.lifeboat.repository.changelog.SegmentFormat;
import dev.lifeboat.repository.changelog.SegmentStore;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.testing.Closer;
import dev.lifeboat.testing.ResourceChanges;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * State at an instant = the latest snapshot cut at or before it + archived changes after the
 * snapshot's offsets up to the instant. One partition; change i has offset i and time T0 + i s.
 */
class PointInTimeTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final byte[] masterKey = new byte[32];
  private final Repository repository =
      Repository.openOrCreate(new InMemoryBlobStore("primary"), masterKey, ChunkerParams.DEFAULT, new SimpleMeterRegistry());
  private final SegmentStore segments = SegmentStore.open(repository, masterKey);
  @TempDir
  static Path spill;
  private final PointInTime pointInTime = PointInTime.of(repository, segments, spill);
  @RegisterExtension
  final Closer closer = new Closer();

  private final ExecutorService uploads = closer.threads(2);
  private final List<Change> log = new ArrayList<>();

  private record Change(String key, ResourceChanged change) {}

  private void change(ResourceChanges object, ResourceChanged change) {
    log.add(new Change(object.key(), change));
  }

  /** Archives changes [first, last] as one segment. */
  private void archive(int first, int last) {
    SegmentFormat.Builder builder = new SegmentFormat.Builder("prod", "lifeboat.resource-changes", 0);
    for (int i = first; i <= last; i++) {
      builder.add(i, T0.plusSeconds(i), log.get(i).key(), log.get(i).change());
    }
    segments.write("prod", 0, first, last, builder.finish(first, last));
  }

  /** A snapshot holding the state after changes [0, upTo), cut at T0 + cutSecond s. */
  private String snapshot(String id, int upTo, long cutSecond) throws Exception {
    Map<String, Map<String, ResourceDocument>> state = new HashMap<>();
    for (int i = 0; i < upTo; i++) {
      Change c = log.get(i);
      String namespace = ResourceDocument.namespaceOfKey(c.key());
      if (c.change().getType() == dev.lifeboat.events.v1.ChangeType.DELETED) {
        state.getOrDefault(namespace, new HashMap<>()).remove(c.key());
      } else {
        state.computeIfAbsent(namespace, n -> new java.util.TreeMap<>()).put(c.key(), ResourceDocument.of(c.key(), c.change()));
      }
    }
    List<Manifest.Stream> streams = new ArrayList<>();
    for (var namespace : new java.util.TreeMap<>(state).entrySet()) {
      ByteArrayOutputStream lines = new ByteArrayOutputStream();
      new java.util.TreeMap<>(namespace.getValue()).values().forEach(d -> lines.writeBytes(d.toLine()));
      streams.add(new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
          .write(namespace.getKey(), new ByteArrayInputStream(lines.toByteArray()), b -> {}).stream());
    }
    repository.manifests().write(new Manifest(Manifest.FORMAT, id, ResourceSnapshots.KIND, ResourceSnapshots.WHOLE_CLUSTER,
        "prod", T0.plusSeconds(cutSecond), null, SnapshotPhase.COMPLETED, streams, null, Map.of(
            ResourceSnapshots.CUT_TIME, T0.plusSeconds(cutSecond).toString(),
            ResourceSnapshots.CHANGES_OFFSETS, ResourceSnapshots.formatOffsets(Map.of(0, (long) upTo)))));
    return id;
  }

  @Test
  void stateAtAnInstantIsTheSnapshotPlusTheChangesUpToThatInstantAndNoneAfter() throws Exception {
    ResourceChanges web = ResourceChanges.in("prod").namespace("shop").configMap("web");
    ResourceChanges db = ResourceChanges.in("prod").namespace("shop").configMap("db");
    ResourceChanges cache = ResourceChanges.in("prod").namespace("cache").configMap("redis");
    ResourceChanges node = ResourceChanges.in("prod").clusterScoped().kind("", "v1", "Namespace").name("shop");
    change(web, web.data("v1").added());          // 0
    change(db, db.data("v1").added());            // 1
    change(node, node.added());                   // 2
    change(cache, cache.data("v1").added());      // 3
    change(web, web.data("v2").modified());       // 4
    change(db, db.deleted());                     // 5
    change(cache, cache.data("v2").modified());   // 6
    change(web, web.data("v3").modified());       // 7
    change(web, web.deleted());                   // 8
    archive(0, 2);
    archive(3, 5);
    archive(6, 8);
    String first = snapshot("20260101T000003Z-000001", 4, 3); // after changes 0..3, cut at 3 s

    PointInTime.State atFive = pointInTime.stateAt("prod", T0.plusSeconds(5));
    assertThat(atFive.snapshotId()).isEqualTo(first);
    assertThat(atFive.replayedFrom()).containsEntry(0, 4L);
    assertThat(atFive.changesApplied()).isEqualTo(2);
    assertThat(atFive.gaps()).isEmpty();
    assertThat(atFive.namespaces()).containsExactly("_cluster", "cache", "shop");
    assertThat(atFive.objects("shop")).containsOnlyKeys(web.key()); // db deleted at 5
    assertThat(atFive.objects("shop").get(web.key()).objectTree().path("data").path("value").asText()).isEqualTo("v2");
    assertThat(atFive.objects("cache").get(cache.key()).objectTree().path("data").path("value").asText()).isEqualTo("v1");

    PointInTime.State atSeven = pointInTime.stateAt("prod", T0.plusSeconds(7));
    assertThat(atSeven.objects("shop").get(web.key()).objectTree().path("data").path("value").asText()).isEqualTo("v3");
    assertThat(atSeven.objects("cache").get(cache.key()).objectTree().path("data").path("value").asText()).isEqualTo("v2");
    assertThat(pointInTime.stateAt("prod", T0.plusSeconds(8)).objects("shop")).isEmpty();
  }

  @Test
  void beforeTheFirstSnapshotTheWholeArchiveIsReplayedAndANewerSnapshotIsPreferred() throws Exception {
    ResourceChanges web = ResourceChanges.in("prod").namespace("shop").configMap("web");
    for (int i = 0; i < 6; i++) {
      change(web, web.data("v" + i).resourceVersion(i).modified());
    }
    archive(0, 5);
    snapshot("20260101T000004Z-000002", 5, 4);
    String later = snapshot("20260101T000005Z-000003", 6, 5);

    PointInTime.State early = pointInTime.stateAt("prod", T0.plusSeconds(2));
    assertThat(early.snapshotId()).isNull();
    assertThat(early.objects("shop").get(web.key()).resourceVersion()).isEqualTo("2");

    PointInTime.State now = pointInTime.stateAt("prod", T0.plusSeconds(60));
    assertThat(now.snapshotId()).isEqualTo(later);
    assertThat(now.changesApplied()).isZero();
    assertThat(now.objects("shop").get(web.key()).resourceVersion()).isEqualTo("5");
  }

  @Test
  void onlyTheRequestedNamespacesAreLoaded() throws Exception {
    ResourceChanges web = ResourceChanges.in("prod").namespace("shop").configMap("web");
    ResourceChanges redis = ResourceChanges.in("prod").namespace("cache").configMap("redis");
    change(web, web.added());
    change(redis, redis.added());
    archive(0, 1);
    snapshot("20260101T000001Z-000004", 1, 1);

    PointInTime.State state = pointInTime.stateAt("prod", T0.plusSeconds(10), "cache"::equals);

    assertThat(state.namespaces()).containsExactly("cache");
  }

  @Test
  void theStateIsKeptOnDiskUntilClosedAndReadInKeyOrder() throws Exception {
    ResourceChanges web = ResourceChanges.in("prod").namespace("shop").configMap("web");
    ResourceChanges api = ResourceChanges.in("prod").namespace("shop").configMap("api");
    ResourceChanges redis = ResourceChanges.in("prod").namespace("cache").configMap("redis");
    change(web, web.data("v1").added());
    change(api, api.data("v1").added());
    change(redis, redis.data("v1").added());
    archive(0, 2);
    snapshot("20260101T000002Z-000005", 2, 2); // web and api in the snapshot
    change(redis, redis.data("v2").modified());
    change(web, web.deleted());
    archive(3, 4);
    Path directory = Files.createDirectories(spill.resolve("closing"));

    List<String> seen = new ArrayList<>();
    try (PointInTime.State state = PointInTime.of(repository, segments, directory).stateAt("prod", T0.plusSeconds(60))) {
      // the documents are in a file, not in memory; its name is already gone, so a killed process leaves nothing
      assertThat(Files.list(directory)).isEmpty();
      assertThat(openDeletedFilesIn(directory)).hasSize(1);
      assertThat(state.objects().spilledBytes()).isPositive();
      state.forEach(d -> seen.add(d.key() + "=" + d.objectTree().path("data").path("value").asText()));
      assertThat(state.objectCount()).isEqualTo(2);
    }
    assertThat(seen).containsExactly(redis.key() + "=v2", api.key() + "=v1"); // key order: cache before shop
    assertThat(Files.list(directory)).isEmpty();
  }

  @Test
  void aStreamThatDoesNotHashToItsManifestIsRefusedNamingTheStream() throws Exception {
    ResourceChanges change = ResourceChanges.in("prod").namespace("shop").configMap("web");
    ResourceDocument web = ResourceDocument.of(change.key(), change.data("v1").added());
    Manifest.Stream stream = new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
        .write("shop", new ByteArrayInputStream(web.toLine()), b -> {}).stream();
    Manifest.Stream lying = new Manifest.Stream(stream.name(), stream.size(), "0".repeat(64), stream.chunks());

    try (SpilledObjects objects = new SpilledObjects(spill)) {
      ResourceSnapshots.readInto(repository.chunks(), stream, objects);
      assertThat(objects.size()).isEqualTo(1);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ResourceSnapshots.readInto(repository.chunks(), lying, objects))
          .isInstanceOfSatisfying(StreamMismatchException.class, e -> assertThat(e.stream()).isEqualTo("shop"))
          .hasMessageContaining("its manifest says " + "0".repeat(64));
    }
  }

  /** Files this process holds open in {@code directory} whose names were removed (Linux's /proc). */
  private static List<String> openDeletedFilesIn(Path directory) throws Exception {
    List<String> found = new ArrayList<>();
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith(directory + "/lifeboat-resources-") && target.endsWith(" (deleted)")) {
            found.add(target);
          }
        } catch (java.io.IOException e) {
          // closed while listing
        }
      }
    }
    return found;
  }
}
