package dev.lifeboat.commands;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.events.v1.SnapshotPhase;
import dev.lifeboat.repository.testing.TestStores;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.Repository;
import dev.lifeboat.repository.StreamWriter;
import dev.lifeboat.repository.chunk.ChunkerParams;
import dev.lifeboat.repository.resources.ResourceDocument;
import dev.lifeboat.repository.resources.ResourceSnapshots;
import dev.lifeboat.testing.ResourceChanges;
import dev.lifeboat.testing.TestStack;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A repository in the test stack's primary store (a prefix of its own) holding snapshots written
 * the way the snapshotter lays them out: whole-cluster resource snapshots, volume snapshots and
 * etcd snapshots.
 */
final class RepositoryFixture implements AutoCloseable {
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /** The stream of an etcd snapshot that holds its database, as the snapshotter names it. */
  static final String ETCD_STREAM = "etcd.db";

  final String cluster;
  final byte[] masterKey = new byte[32];
  final Repository repository;
  private final ExecutorService uploads = Executors.newFixedThreadPool(2);

  RepositoryFixture(TestStack stack, String cluster) {
    this.cluster = cluster;
    new SecureRandom().nextBytes(masterKey);
    this.repository = Repository.openOrCreate(TestStores.primary(stack, "commands-" + cluster), masterKey, ChunkerParams.DEFAULT,
        new SimpleMeterRegistry());
  }

  RestoreData data() {
    return new RestoreData(cluster, () -> Optional.of(repository), masterKey);
  }

  static String snapshotId(Instant at) {
    return ID_TIME.format(at) + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** A whole-cluster resource snapshot cut at {@code cut}, holding these objects. */
  String resources(Instant cut, List<ResourceChanges> objects) throws Exception {
    Map<String, TreeMap<String, ResourceDocument>> byNamespace = new TreeMap<>();
    for (ResourceChanges o : objects) {
      ResourceDocument d = ResourceDocument.of(o.key(), o.added());
      byNamespace.computeIfAbsent(d.namespaceOrCluster(), n -> new TreeMap<>()).put(d.key(), d);
    }
    List<Manifest.Stream> streams = new ArrayList<>();
    for (var ns : byNamespace.entrySet()) {
      ByteArrayOutputStream lines = new ByteArrayOutputStream();
      ns.getValue().values().forEach(d -> lines.writeBytes(d.toLine()));
      streams.add(write(ns.getKey(), lines.toByteArray()));
    }
    String id = snapshotId(cut);
    repository.manifests().write(new Manifest(Manifest.FORMAT, id, ResourceSnapshots.KIND, ResourceSnapshots.WHOLE_CLUSTER,
        cluster, cut, null, SnapshotPhase.COMPLETED, streams, null, Map.of(ResourceSnapshots.CUT_TIME, cut.toString(),
        ResourceSnapshots.CHANGES_OFFSETS, ResourceSnapshots.formatOffsets(Map.of(0, 0L)),
        ResourceSnapshots.OBJECTS, Integer.toString(objects.size()))));
    return id;
  }

  /** A volume snapshot of one directory holding these files. */
  String volume(Instant at, String pvcUid, Map<String, byte[]> files) throws Exception {
    List<Manifest.FileEntry> entries = new ArrayList<>();
    entries.add(new Manifest.FileEntry(Manifest.FileEntry.ROOT, Manifest.FileEntry.DIRECTORY, 0755, null, null, 0, at, at,
        null, null, null, null, null));
    for (var file : new TreeMap<>(files).entrySet()) {
      Manifest.Stream s = write(file.getKey(), file.getValue());
      entries.add(new Manifest.FileEntry(file.getKey(), Manifest.FileEntry.FILE, 0644, null, null, s.size(), at, at, null,
          null, s.sha256(), s.chunks(), null));
    }
    String id = snapshotId(at);
    repository.manifests().write(new Manifest(Manifest.FORMAT, id, SnapshotKind.VOLUME, pvcUid, cluster, at, null, SnapshotPhase.COMPLETED,
        null, entries, Map.of()));
    return id;
  }

  /** An etcd snapshot whose database is these bytes. */
  String etcd(Instant at, byte[] database) throws Exception {
    String id = snapshotId(at);
    repository.manifests().write(new Manifest(Manifest.FORMAT, id, SnapshotKind.ETCD, "etcd", cluster, at, null, SnapshotPhase.COMPLETED,
        List.of(write(ETCD_STREAM, database)), null, Map.of()));
    return id;
  }

  private Manifest.Stream write(String name, byte[] bytes) throws Exception {
    return new StreamWriter(repository.chunks(), repository.chunker(), uploads, 2)
        .write(name, new ByteArrayInputStream(bytes), b -> {}).stream();
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Override
  public void close() {
    uploads.shutdownNow();
  }
}
