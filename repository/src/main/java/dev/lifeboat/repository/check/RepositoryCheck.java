package dev.lifeboat.repository.check;

import dev.lifeboat.repository.ConfigFile;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.blob.BlobInfo;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.IndexFile;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.pack.PackEntry;
import dev.lifeboat.repository.pack.PackFormat;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks one repository as {@code restic check} does, and never changes it: nothing is written,
 * deleted or re-indexed (a writer opening the repository would index packs no index lists; the check
 * only reports them). In order:
 *
 * <ol>
 *   <li>the config opens with the master key (else {@link IllegalStateException}: nothing else can be
 *       checked);
 *   <li>every index file opens and parses; every pack an index lists exists;
 *   <li>every pack's header opens and lists every chunk the index says the pack holds, where the index
 *       says;
 *   <li>every manifest opens, parses, is stored under its own kind, target and id, and names only
 *       chunks that an existing pack holds;
 *   <li>the change log of every cluster has no gap between segments ({@link ChangeLogCheck});
 *   <li>with {@code readData} above zero, that share of the data is downloaded and authenticated
 *       ({@link DataCheck}).
 * </ol>
 *
 * The repository should be quiet during a check: a garbage collection that runs meanwhile deletes
 * packs and index files the check has listed. The check notes a collection's lock when it sees one.
 */
public final class RepositoryCheck {
  private final BlobStore store;
  private final byte[] masterKey;
  private final double readData;
  private final CheckProgress progress;

  /**
   * @param readData the share of packs, files and segments to download and authenticate: 0 none, 1
   *     all
   */
  public RepositoryCheck(BlobStore store, byte[] masterKey, double readData, CheckProgress progress) {
    if (readData < 0 || readData > 1) {
      throw new IllegalArgumentException("the share of data to read must be between 0 and 1, was " + readData);
    }
    this.store = store;
    this.masterKey = masterKey;
    this.readData = readData;
    this.progress = progress;
  }

  public CheckReport run() {
    CheckReport report = new CheckReport(store.describe());
    ChunkCodec codec = ConfigFile.read(store, masterKey).codec(1);
    noteLeftovers(report);
    Map<String, List<PackEntry>> indexed = readIndex(codec, report);
    Map<String, Long> packs = listPacks(report);
    ChunkIndex index = new ChunkIndex();
    indexed.forEach((pack, entries) -> {
      if (packs.containsKey(pack)) {
        index.addPack(pack, entries, false);
      } else {
        report.problem("pack " + pack, "the index lists it (" + entries.size() + " chunks) but the store does not hold it");
      }
    });
    // packs no index lists still hold their chunks (a writer that stopped before indexing them, or a
    // damaged index file): their own headers say which, so a manifest needing them is not dangling
    compareHeaders(codec, indexed, packs, report).forEach((pack, entries) -> index.addPack(pack, entries, false));
    report.chunks = index.size();
    List<Snapshot> snapshots = readManifests(codec, index, report);
    new ChangeLogCheck(store, codec, readData, progress, report).run();
    if (readData > 0) {
      new DataCheck(store, codec, index, readData, progress, report).run(packs, snapshots);
    }
    return report;
  }

  /** A manifest that opened, under its key. */
  record Snapshot(String key, Manifest manifest) {
    String describe() {
      return "snapshot " + manifest.snapshotId() + " (" + manifest.kind().name().toLowerCase(java.util.Locale.ROOT) + "/"
          + manifest.target() + ")";
    }
  }

  private void noteLeftovers(CheckReport report) {
    List<String> lock = new ArrayList<>();
    store.list("gc/lock", info -> lock.add(info.key()));
    if (!lock.isEmpty()) {
      report.note("a garbage collection holds the lock (gc/lock): packs and index files it deletes meanwhile may show as"
          + " missing; check again when it is done");
    }
    List<String> creating = new ArrayList<>();
    store.list("creating/", info -> creating.add(info.key()));
    if (!creating.isEmpty()) {
      report.note(creating.size() + " announcement(s) of processes creating the config remain under creating/ (a creator"
          + " that stopped early; harmless)");
    }
  }

  private Map<String, List<PackEntry>> readIndex(ChunkCodec codec, CheckReport report) {
    List<String> keys = new ArrayList<>();
    store.list(IndexFile.PREFIX, info -> {
      if (IndexFile.isKey(info.key())) {
        keys.add(info.key());
      }
    });
    Map<String, List<PackEntry>> packs = new LinkedHashMap<>();
    int done = 0;
    for (String key : keys) {
      progress.at("index", done++, keys.size());
      try {
        Optional<byte[]> bytes = store.get(key);
        if (bytes.isEmpty()) {
          report.problem("index file " + key, "listed, then gone before it was read (is a collection running?)");
          continue;
        }
        report.bytesRead += bytes.get().length;
        IndexFile.decode(key, bytes.get(), codec).forEach((pack, entries) ->
            packs.computeIfAbsent(pack, p -> new ArrayList<>()).addAll(entries));
        report.indexFiles++;
      } catch (RuntimeException e) {
        report.problem("index file " + key, "does not open with this repository's keys (damaged, or written under"
            + " another config): " + e.getMessage());
      }
    }
    progress.at("index", keys.size(), keys.size());
    return packs;
  }

  private Map<String, Long> listPacks(CheckReport report) {
    Map<String, Long> packs = new HashMap<>();
    store.list(Pack.PREFIX, info -> {
      if (Pack.isKey(info.key())) {
        packs.put(Pack.nameOf(info.key()), info.size());
      }
    });
    report.packs = packs.size();
    return packs;
  }

  /** Every stored pack's header against what the index says it holds; returns the packs no index lists, with their chunks. */
  private Map<String, List<PackEntry>> compareHeaders(ChunkCodec codec, Map<String, List<PackEntry>> indexed, Map<String, Long> packs,
      CheckReport report) {
    int done = 0;
    Map<String, List<PackEntry>> unindexed = new LinkedHashMap<>();
    for (Map.Entry<String, Long> pack : packs.entrySet()) {
      progress.at("pack headers", done++, packs.size());
      String name = pack.getKey();
      List<PackEntry> header;
      try {
        header = PackFormat.readHeader(store, Pack.key(name), pack.getValue(), codec).orElse(null);
      } catch (RuntimeException e) {
        report.problem("pack " + name, "its header cannot be read: " + e.getMessage());
        continue;
      }
      if (header == null) {
        report.problem("pack " + name, "listed, then gone before its header was read (is a collection running?)");
        continue;
      }
      List<PackEntry> expected = indexed.get(name);
      if (expected == null) {
        unindexed.put(name, header);
        continue;
      }
      Set<PackEntry> holds = new HashSet<>(header);
      long wrong = expected.stream().filter(e -> !holds.contains(e)).count();
      if (wrong > 0) {
        report.problem("pack " + name, wrong + " of the " + expected.size() + " chunks the index places in it are not"
            + " where its own header says (the index and the pack disagree)");
      }
    }
    progress.at("pack headers", packs.size(), packs.size());
    if (!unindexed.isEmpty()) {
      report.note(unindexed.size() + " pack(s) that no index lists (a writer stopped before indexing them, or an index"
          + " file is damaged; the next writer to open the repository indexes them); their headers were read instead");
    }
    return unindexed;
  }

  private List<Snapshot> readManifests(ChunkCodec codec, ChunkIndex index, CheckReport report) {
    List<BlobInfo> keys = new ArrayList<>();
    store.list("manifests/", keys::add);
    List<Snapshot> snapshots = new ArrayList<>();
    int done = 0;
    for (BlobInfo info : keys) {
      progress.at("manifests", done++, keys.size());
      String key = info.key();
      Manifest manifest;
      try {
        Optional<byte[]> bytes = store.get(key);
        if (bytes.isEmpty()) {
          report.problem("manifest " + key, "listed, then gone before it was read (is a collection running?)");
          continue;
        }
        report.bytesRead += bytes.get().length;
        manifest = ManifestStore.open(key, bytes.get(), codec);
      } catch (RuntimeException e) {
        report.problem("manifest " + key, "does not open or parse: " + e.getMessage());
        continue;
      }
      Snapshot snapshot = new Snapshot(key, manifest);
      report.snapshots++;
      snapshots.add(snapshot);
      String expectedKey = manifest.kind() == null ? null
          : ManifestStore.key(manifest.kind(), manifest.target(), manifest.snapshotId());
      if (!key.equals(expectedKey)) {
        report.problem(snapshot.describe(), "stored under " + URLDecoder.decode(key, StandardCharsets.UTF_8)
            + ", not under its own kind, target and id");
      }
      Contents.of(manifest).forEach((name, content) -> {
        long missing = content.chunks().stream().filter(c -> !index.contains(c.id())).count();
        if (missing > 0) {
          report.problem(snapshot.describe(), missing + " of the " + content.chunks().size() + " chunks of " + name
              + " are in no pack the store holds");
        }
      });
    }
    progress.at("manifests", keys.size(), keys.size());
    return snapshots;
  }
}
