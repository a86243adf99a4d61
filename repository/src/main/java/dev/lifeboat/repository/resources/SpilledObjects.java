package dev.lifeboat.repository.resources;

import dev.lifeboat.repository.BlockInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The objects of a cluster (or of some of its namespaces) by record key, their documents on disk:
 * each {@link ResourceDocument} line is appended to a {@link SpillFile} as it arrives (superseded
 * versions included, so the file is as large as everything put) and memory holds the key and where
 * its latest line is, about 150 bytes plus the key per live object (some 200 MB for a million). Keys
 * ({@code cluster/namespace/group/kind/name}) of one namespace are contiguous in key order, so a
 * namespace is a range of the index.
 *
 * <p>Written first ({@link #put}, {@link #remove}), then read ({@link #finishWriting()}, then any
 * reader). Not thread-safe. Closing deletes the file.
 */
public final class SpilledObjects implements AutoCloseable {
  private static final int BLOCK = 256 * 1024;

  private final SpillFile spill;
  private final TreeMap<String, SpillFile.Slice> index = new TreeMap<>();
  private boolean reading;
  /** Every namespace's range of the index, once writing has ended. */
  private SortedMap<String, NavigableMap<String, SpillFile.Slice>> ranges;

  /** @param directory where the spill file goes (the JVM's temporary directory when null) */
  public SpilledObjects(Path directory) throws IOException {
    this.spill = new SpillFile(directory == null ? Path.of(System.getProperty("java.io.tmpdir")) : directory);
  }

  /**
   * The object of {@code key} is now the document {@code line} (one line of JSON, newline included).
   *
   * @throws IllegalArgumentException when {@code key} is not {@code cluster/namespace/group/kind/name}
   */
  public void put(String key, byte[] line) throws IOException {
    ResourceDocument.namespaceOfKey(key);
    index.put(key, spill.append(line));
  }

  public void put(ResourceDocument document) throws IOException {
    put(document.key(), document.toLine());
  }

  /** The object of {@code key} is gone. */
  public void remove(String key) {
    index.remove(key);
  }

  /** Ends writing; reading may start. Idempotent. */
  public SpilledObjects finishWriting() throws IOException {
    if (!reading) {
      spill.finishWriting();
      reading = true;
    }
    return this;
  }

  /** Live objects. */
  public int size() {
    return index.size();
  }

  /** Bytes appended to the spill file, superseded versions included. */
  public long spilledBytes() {
    return spill.size();
  }

  /** The namespaces that hold objects ({@link ResourceDocument#CLUSTER_SCOPED} for cluster-scoped ones), in order. */
  public SortedSet<String> namespaces() {
    SortedSet<String> names = new TreeSet<>();
    ranges().keySet().forEach(names::add);
    return Collections.unmodifiableSortedSet(names);
  }

  /** Objects of one namespace. */
  public int count(String namespace) {
    NavigableMap<String, SpillFile.Slice> range = ranges().get(namespace);
    return range == null ? 0 : range.size();
  }

  /** Every namespace's objects, by key; each map is a view of the index (computed once when reading). */
  private SortedMap<String, NavigableMap<String, SpillFile.Slice>> ranges() {
    if (!reading) {
      return split();
    }
    if (ranges == null) {
      ranges = split();
    }
    return ranges;
  }

  private SortedMap<String, NavigableMap<String, SpillFile.Slice>> split() {
    TreeMap<String, NavigableMap<String, SpillFile.Slice>> split = new TreeMap<>();
    String key = index.isEmpty() ? null : index.firstKey();
    while (key != null) {
      int second = key.indexOf('/', key.indexOf('/') + 1); // every key put has one
      String prefix = key.substring(0, second + 1); // cluster/namespace/
      String end = key.substring(0, second) + (char) ('/' + 1);
      split.put(ResourceDocument.namespaceOfKey(key), index.subMap(prefix, true, end, false));
      key = index.ceilingKey(end);
    }
    return split;
  }

  /** The document lines of one namespace in key order, read back from disk a block at a time. */
  public InputStream lines(String namespace) {
    requireReading();
    NavigableMap<String, SpillFile.Slice> range = ranges().get(namespace);
    Iterator<SpillFile.Slice> slices = range == null ? Collections.emptyIterator() : range.values().iterator();
    return new BlockInputStream() {
      @Override
      protected byte[] nextBlock() throws IOException {
        if (!slices.hasNext()) {
          return null;
        }
        ByteArrayOutputStream block = new ByteArrayOutputStream(BLOCK);
        while (slices.hasNext() && block.size() < BLOCK) {
          block.writeBytes(spill.read(slices.next()));
        }
        return block.toByteArray();
      }
    };
  }

  /** Every document, in key order, one at a time. */
  public void forEach(Consumer<ResourceDocument> each) {
    requireReading();
    for (Map.Entry<String, SpillFile.Slice> entry : index.entrySet()) {
      each.accept(read(entry.getValue()));
    }
  }

  /** The documents of one namespace, by key, read into memory (for a namespace, not a cluster). */
  public SortedMap<String, ResourceDocument> objects(String namespace) {
    requireReading();
    SortedMap<String, ResourceDocument> objects = new TreeMap<>();
    NavigableMap<String, SpillFile.Slice> range = ranges().get(namespace);
    if (range != null) {
      range.forEach((key, slice) -> objects.put(key, read(slice)));
    }
    return objects;
  }

  /** The document of {@code key}, read from disk; null when there is none. */
  public ResourceDocument get(String key) {
    requireReading();
    SpillFile.Slice slice = index.get(key);
    return slice == null ? null : read(slice);
  }

  private ResourceDocument read(SpillFile.Slice slice) {
    try {
      return ResourceDocument.parse(new String(spill.read(slice), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read back a spilled resource document", e);
    }
  }

  private void requireReading() {
    if (!reading) {
      throw new IllegalStateException("the objects are still being written (finishWriting first)");
    }
  }

  @Override
  public void close() throws IOException {
    spill.close();
  }
}
