package dev.lifeboat.repository.check;

import dev.lifeboat.repository.ChunkStore.ChunkRef;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.check.RepositoryCheck.Snapshot;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.pack.ChunkIndex;
import dev.lifeboat.repository.pack.Pack;
import dev.lifeboat.repository.pack.PackEntry;
import dev.lifeboat.repository.pack.PackFormat;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a share of the data and proves it: each sampled pack is downloaded whole, must hash to its
 * name, and every chunk in it must authenticate (AES-GCM tag, then the id against the plaintext);
 * each sampled file or stream is put together from its chunks and must have the size and SHA-256
 * its manifest records (an etcd snapshot is the stream {@code etcd.db}: its hash is checked so).
 * Content that several snapshots share is read once.
 *
 * <p>Cost: a full read downloads every pack once and every distinct content once more (by ranged
 * reads of its chunks), about twice the repository's size; {@code --read-data 10%} about a tenth.
 */
final class DataCheck {
  private final BlobStore store;
  private final ChunkCodec codec;
  private final ChunkIndex index;
  private final double share;
  private final CheckProgress progress;
  private final CheckReport report;

  DataCheck(BlobStore store, ChunkCodec codec, ChunkIndex index, double share, CheckProgress progress, CheckReport report) {
    this.store = store;
    this.codec = codec;
    this.index = index;
    this.share = share;
    this.progress = progress;
    this.report = report;
  }

  void run(Map<String, Long> packs, List<Snapshot> snapshots) {
    List<String> sampled = packs.keySet().stream().filter(p -> Sampling.includes(p, share)).sorted().toList();
    int done = 0;
    for (String pack : sampled) {
      progress.at("read packs", done++, sampled.size());
      readPack(pack);
    }
    progress.at("read packs", sampled.size(), sampled.size());
    Map<String, Shared> contents = new LinkedHashMap<>();
    for (Snapshot snapshot : snapshots) {
      Contents.of(snapshot.manifest()).forEach((name, content) -> {
        if (content.sha256() != null && Sampling.includes(content.sha256(), share)) {
          contents.computeIfAbsent(content.sha256() + "/" + content.chunks().hashCode(), k -> new Shared(content, new ArrayList<>()))
              .users().add(snapshot.describe() + ", " + name);
        }
      });
    }
    done = 0;
    for (Shared content : contents.values()) {
      progress.at("hash files", done++, contents.size());
      hash(content);
    }
    progress.at("hash files", contents.size(), contents.size());
  }

  /** One distinct content and every snapshot file or stream that is it. */
  private record Shared(Contents content, List<String> users) {}

  private void readPack(String pack) {
    Optional<byte[]> read;
    try {
      read = store.get(Pack.key(pack));
    } catch (RuntimeException e) {
      report.problem("pack " + pack, "cannot be read: " + e.getMessage());
      return;
    }
    if (read.isEmpty()) {
      report.problem("pack " + pack, "listed, then gone before it was read (is a collection running?)");
      return;
    }
    byte[] bytes = read.get();
    report.packsRead++;
    report.bytesRead += bytes.length;
    String actual = PackFormat.sha256(bytes);
    if (!actual.equals(pack)) {
      report.problem("pack " + pack, "its bytes hash to " + actual + ", not to its name: it was changed"
          + " after it was written");
    }
    List<PackEntry> entries;
    try {
      int headerLength = PackFormat.headerLength(pack, Arrays.copyOfRange(bytes, bytes.length - PackFormat.TRAILER, bytes.length));
      int headerStart = bytes.length - PackFormat.TRAILER - headerLength;
      entries = PackFormat.readHeader(pack, Arrays.copyOfRange(bytes, headerStart, bytes.length - PackFormat.TRAILER), codec);
    } catch (RuntimeException e) {
      report.problem("pack " + pack, "its header cannot be read: " + e.getMessage());
      return;
    }
    int bad = 0;
    String first = null;
    for (PackEntry e : entries) {
      try {
        if ((long) e.offset() + e.length() > bytes.length) {
          throw new IllegalStateException("it ends past the pack");
        }
        codec.open(e.id(), Arrays.copyOfRange(bytes, e.offset(), e.offset() + e.length()));
      } catch (RuntimeException failure) {
        bad++;
        first = first == null ? e.id() + " (" + failure.getMessage() + ")" : first;
      }
    }
    if (bad > 0) {
      report.problem("pack " + pack, bad + " of its " + entries.size() + " chunks do not authenticate, the first " + first);
    }
  }

  private void hash(Shared shared) {
    Contents content = shared.content();
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long size = 0;
    for (ChunkRef ref : content.chunks()) {
      ChunkIndex.Location at = index.get(ref.id());
      if (at == null) {
        return; // reported with the manifests: in no pack
      }
      try {
        byte[] sealed = store.getRange(Pack.key(at.pack()), at.offset(), at.length())
            .orElseThrow(() -> new IllegalStateException("its pack " + at.pack() + " is gone"));
        report.bytesRead += sealed.length;
        byte[] plain = codec.open(ref.id(), sealed);
        sha.update(plain);
        size += plain.length;
      } catch (RuntimeException e) {
        shared.users().forEach(u -> report.problem(u, "chunk " + ref.id() + " (in pack " + at.pack() + ") cannot be read: "
            + e.getMessage()));
        return;
      }
    }
    report.contentsHashed++;
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(content.sha256()) || size != content.size()) {
      long bytes = size;
      shared.users().forEach(u -> report.problem(u, "its chunks make " + bytes + " bytes hashing to " + actual
          + "; the manifest records " + content.size() + " bytes hashing to " + content.sha256()));
    }
  }
}
