package dev.lifeboat.cli.client;

import dev.lifeboat.events.v1.SnapshotCompleted;
import dev.lifeboat.events.v1.SnapshotFailed;
import dev.lifeboat.repository.ConfigFile;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.ManifestStore;
import dev.lifeboat.repository.chunk.ChunkCodec;
import dev.lifeboat.repository.blob.BlobStore;
import dev.lifeboat.repository.blob.BlobStores;
import dev.lifeboat.schemas.serde.AvroDeserializer;
import dev.lifeboat.schemas.topics.TopicReader;
import dev.lifeboat.schemas.topics.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The snapshots there are: as {@code lifeboat.snapshots} reports them (read from its beginning to
 * its end as it is now), or as a store's repository holds them (its manifests).
 */
public final class SnapshotCatalog {
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private SnapshotCatalog() {}

  /**
   * One snapshot.
   *
   * @param phase COMPLETED, PARTIALLY_FAILED or FAILED; null when unknown (a manifest read without the key)
   * @param size logical bytes; null when unknown
   */
  public record Row(String id, String kind, String target, String phase, Instant time, Long size, String note) {}

  /** Every snapshot reported on {@code lifeboat.snapshots}, oldest first. */
  public static List<Row> fromTopic(Connection connection) {
    AvroDeserializer<Object> deserializer = new AvroDeserializer<>(connection.registry());
    List<Row> rows = new ArrayList<>();
    try (TopicReader reader = connection.kafka().topicReader("lifeboat-cli", Topics.SNAPSHOTS)) {
      reader.readToEnd(Topics.SNAPSHOTS, r -> {
        Object value;
        try {
          value = deserializer.decode(r.topic(), r.partition(), r.offset(), r.value());
        } catch (RuntimeException e) {
          return;
        }
        if (value instanceof SnapshotCompleted c) {
          rows.add(new Row(c.getSnapshotId(), c.getKind().name(), c.getTarget(), c.getPhase().name(), c.getStartedAt(),
              c.getTotalBytes(), c.getFailedItemCount() > 0 ? c.getFailedItemCount() + " items failed" : ""));
        } else if (value instanceof SnapshotFailed f) {
          rows.add(new Row(f.getSnapshotId(), f.getKind().name(), f.getTarget(), "FAILED", f.getStartedAt(), null,
              f.getReason()));
        }
      });
    }
    rows.sort(Comparator.comparing(Row::time).thenComparing(Row::id));
    return rows;
  }

  /**
   * Every manifest in a store's repository. With the master key each manifest is opened for its
   * phase and size; without it, what the key names alone tells (id, kind, target, time). Only reads:
   * the config and the manifests, never the index (opening the repository may write one).
   */
  public static List<Row> fromStore(Connection connection, String storeName) {
    BlobStore store = BlobStores.open(connection.store(storeName), new SimpleMeterRegistry());
    ChunkCodec codec = connection.masterKey() == null ? null
        : ConfigFile.readIfPresent(store, connection.masterKey()).map(c -> c.codec(1)).orElse(null);
    String notOpened = connection.masterKey() == null ? "manifest not opened (no master key)"
        : "manifest not opened (the store holds no repository config)";
    List<Row> rows = new ArrayList<>();
    store.list("manifests/", info -> {
      String[] parts = info.key().split("/");
      if (parts.length != 4) {
        return;
      }
      String kind = parts[1].toUpperCase(Locale.ROOT);
      String target = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
      String id = parts[3];
      Instant time = idTime(id);
      if (codec == null) {
        rows.add(new Row(id, kind, target, null, time, null, notOpened));
        return;
      }
      Optional<Manifest> manifest = store.get(info.key()).map(sealed -> ManifestStore.open(info.key(), sealed, codec));
      manifest.ifPresent(m -> rows.add(new Row(id, kind, target, m.phase() == null ? null : m.phase().name(), m.createdAt(),
          size(m), "")));
    });
    rows.sort(Comparator.comparing((Row r) -> r.time() == null ? Instant.EPOCH : r.time()).thenComparing(Row::id));
    return rows;
  }

  private static long size(Manifest m) {
    long size = 0;
    if (m.streams() != null) {
      size += m.streams().stream().mapToLong(Manifest.Stream::size).sum();
    }
    if (m.files() != null) {
      size += m.files().stream().mapToLong(Manifest.FileEntry::size).sum();
    }
    return size;
  }

  private static Instant idTime(String id) {
    int dash = id.indexOf('-');
    try {
      return dash < 0 ? null : Instant.from(ID_TIME.parse(id.substring(0, dash)));
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  /** A size a person reads: 512 B, 1.5 KiB, 3.2 GiB. */
  public static String humanSize(Long bytes) {
    if (bytes == null) {
      return "-";
    }
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = bytes;
    int unit = -1;
    while (value >= 1024 && unit < units.length - 1) {
      value /= 1024;
      unit++;
    }
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
  }
}
