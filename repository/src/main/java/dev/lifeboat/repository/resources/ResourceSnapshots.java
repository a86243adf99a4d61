package dev.lifeboat.repository.resources;

import dev.lifeboat.events.v1.SnapshotKind;
import dev.lifeboat.repository.ChunkStore;
import dev.lifeboat.repository.Manifest;
import dev.lifeboat.repository.StreamReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * How a resource snapshot's manifest is laid out, for the snapshotter that writes it and the
 * readers that reconstruct state from it. Kind {@code RESOURCES}; one stream per namespace, named
 * after it ({@link ResourceDocument#CLUSTER_SCOPED} for cluster-scoped objects), holding one
 * {@link ResourceDocument} line per object, sorted by key. The details record the cut:
 *
 * <ul>
 *   <li>{@value #CUT_TIME}: an instant no earlier than the time of any change the snapshot holds;
 *   <li>{@value #CHANGES_OFFSETS}: per partition of {@value #CHANGES_TOPIC}, an offset such that every
 *       change before it is in the snapshot (a few after it may be too: replaying them again is
 *       harmless, the last change of each object wins);
 *   <li>{@value #STATE_OFFSETS}: per partition of the state table, where reading it stopped;
 *   <li>{@value #OBJECTS} and {@value #OBJECTS_PREFIX}{@code <namespace>}: object counts.
 * </ul>
 */
public final class ResourceSnapshots {
  public static final SnapshotKind KIND = SnapshotKind.RESOURCES;
  /** The target of a snapshot of every namespace and the cluster-scoped objects. */
  public static final String WHOLE_CLUSTER = "cluster";

  public static final String CUT_TIME = "cutTime";
  public static final String CHANGES_TOPIC = "resourceChangesTopic";
  public static final String CHANGES_OFFSETS = "resourceChangesOffsets";
  public static final String CHANGES_PENDING = "resourceChangesPending";
  public static final String STATE_TOPIC = "resourceStateTopic";
  public static final String STATE_OFFSETS = "resourceStateOffsets";
  public static final String APPLICATION_ID = "applicationId";
  public static final String OBJECTS = "objects";
  public static final String OBJECTS_PREFIX = "objects.";
  public static final String UNREADABLE_OBJECTS = "unreadableObjects";

  private ResourceSnapshots() {}

  /**
   * Reads one stream of a resource snapshot into {@code objects}, each line as it is stored (checked
   * to be one JSON object with a key, not parsed into a document), and checks the stream's bytes
   * against the SHA-256 the manifest records.
   *
   * @throws IllegalArgumentException a line that is not a resource document
   * @throws StreamMismatchException the bytes read do not hash to the manifest's SHA-256
   */
  public static void readInto(ChunkStore chunks, Manifest.Stream stream, SpilledObjects objects) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (DigestInputStream in = new DigestInputStream(new StreamReader(chunks, stream), sha256)) {
      LineSplitter lines = new LineSplitter(in);
      for (byte[] line = lines.next(); line != null; line = lines.next()) {
        if (line.length > 1) {
          objects.put(ResourceDocument.keyOfLine(line), line);
        }
      }
    }
    String actual = HexFormat.of().formatHex(sha256.digest());
    if (!actual.equals(stream.sha256())) {
      throw new StreamMismatchException(stream.name(), actual, stream.sha256());
    }
  }

  /** Lines of a stream as bytes, each with its newline (one is added to a last line that lacks it). */
  private static final class LineSplitter {
    private final InputStream in;
    private final byte[] buffer = new byte[64 * 1024];
    private int position;
    private int limit;

    LineSplitter(InputStream in) {
      this.in = in;
    }

    byte[] next() throws IOException {
      ByteArrayOutputStream line = null;
      while (true) {
        if (position == limit) {
          limit = in.read(buffer);
          position = 0;
          if (limit <= 0) {
            limit = 0;
            if (line == null) {
              return null;
            }
            line.write('\n');
            return line.toByteArray();
          }
        }
        int start = position;
        while (position < limit && buffer[position] != '\n') {
          position++;
        }
        if (position < limit) { // found the newline
          position++;
          if (line == null) {
            return Arrays.copyOfRange(buffer, start, position);
          }
          line.write(buffer, start, position - start);
          return line.toByteArray();
        }
        if (line == null) {
          line = new ByteArrayOutputStream(2 * (position - start) + 16);
        }
        line.write(buffer, start, position - start);
      }
    }
  }

  /** {@code 0:12,1:40}: partitions in order. */
  public static String formatOffsets(Map<Integer, Long> offsets) {
    StringJoiner joined = new StringJoiner(",");
    new TreeMap<>(offsets).forEach((partition, offset) -> joined.add(partition + ":" + offset));
    return joined.toString();
  }

  public static Map<Integer, Long> parseOffsets(String text) {
    Map<Integer, Long> offsets = new TreeMap<>();
    if (text == null || text.isBlank()) {
      return offsets;
    }
    for (String pair : text.split(",")) {
      String[] parts = pair.split(":");
      if (parts.length != 2) {
        throw new IllegalArgumentException("not a partition:offset list: " + text);
      }
      offsets.put(Integer.parseInt(parts[0].trim()), Long.parseLong(parts[1].trim()));
    }
    return offsets;
  }

  public static Instant cutTime(Map<String, String> details) {
    String value = details == null ? null : details.get(CUT_TIME);
    if (value == null) {
      throw new IllegalArgumentException("the manifest records no " + CUT_TIME + ": not a resource snapshot");
    }
    return Instant.parse(value);
  }
}
