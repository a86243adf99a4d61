package dev.lifeboat.repository.changelog;

import dev.lifeboat.events.v1.ResourceChanged;
import dev.lifeboat.schemas.serde.TrustedContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.file.SeekableByteArrayInput;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The plaintext of a change-log segment: an Avro object container file whose records are
 * {@code ChangeLogEntry} (offset, timestamp, key and the {@code ResourceChanged}), with the writer's
 * schema embedded, so a segment reads without the schema registry, with any Avro library, years
 * later. Reading resolves the embedded schema to the current {@code ResourceChanged}, so segments
 * written under an older contract stay readable. The file's metadata names the cluster, topic,
 * partition and offset range; compression and encryption are the repository's (the container itself
 * is uncompressed).
 */
public final class SegmentFormat {
  static {
    TrustedContract.ensure(); // before the contract's classes are touched below
  }

  /** Version of this layout, in the file's metadata. */
  public static final int FORMAT = 1;
  public static final String META_FORMAT = "lifeboat.segment.format";
  public static final String META_CLUSTER = "lifeboat.cluster";
  public static final String META_TOPIC = "lifeboat.topic";
  public static final String META_PARTITION = "lifeboat.partition";
  public static final String META_FIRST_OFFSET = "lifeboat.firstOffset";
  public static final String META_LAST_OFFSET = "lifeboat.lastOffset";

  /** The record schema of one entry; {@code change} is the contract's ResourceChanged. */
  public static final Schema ENTRY = SchemaBuilder.record("ChangeLogEntry").namespace("dev.lifeboat.changelog.v1")
      .doc("One change of lifeboat.resource-changes: its offset and record time on Kafka, its key and the change.")
      .fields()
      .name("offset").type().longType().noDefault()
      .name("timestamp").type(LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG))).noDefault()
      .name("key").type().stringType().noDefault()
      .name("change").type(ResourceChanged.getClassSchema()).noDefault()
      .endRecord();

  /** ResourceChanged's own model: it knows the logical-type conversions of the generated classes. */
  private static final SpecificData MODEL = SpecificData.getForSchema(ResourceChanged.getClassSchema());

  private SegmentFormat() {}

  /** What a segment's metadata says about it. */
  public record Header(String cluster, String topic, int partition, long firstOffset, long lastOffset) {}

  /** A decoded segment. */
  public record Segment(Header header, List<ChangeLogEntry> entries) {}

  /**
   * Builds a segment entry by entry. Entries are encoded as they are added (so the memory held is
   * about the segment's size); {@link #finish} writes the container, whose header then names the
   * offset range the segment covers.
   */
  public static final class Builder {
    private final String cluster;
    private final String topic;
    private final int partition;
    private final SpecificDatumWriter<GenericRecord> datumWriter = new SpecificDatumWriter<>(ENTRY, MODEL);
    private final ByteArrayOutputStream scratch = new ByteArrayOutputStream(4096);
    private final List<byte[]> encoded = new ArrayList<>();
    private BinaryEncoder encoder;
    private long size;
    private Instant firstTime;
    private Instant lastTime;

    public Builder(String cluster, String topic, int partition) {
      this.cluster = cluster;
      this.topic = topic;
      this.partition = partition;
    }

    public void add(long offset, Instant timestamp, String key, ResourceChanged change) {
      GenericData.Record entry = new GenericData.Record(ENTRY);
      entry.put("offset", offset);
      entry.put("timestamp", timestamp);
      entry.put("key", key);
      entry.put("change", change);
      scratch.reset();
      encoder = EncoderFactory.get().binaryEncoder(scratch, encoder);
      try {
        datumWriter.write(entry, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      byte[] bytes = scratch.toByteArray();
      encoded.add(bytes);
      size += bytes.length;
      firstTime = firstTime == null || timestamp.isBefore(firstTime) ? timestamp : firstTime;
      lastTime = lastTime == null || timestamp.isAfter(lastTime) ? timestamp : lastTime;
    }

    public int partition() {
      return partition;
    }

    public int count() {
      return encoded.size();
    }

    /** Encoded bytes held so far. */
    public long size() {
      return size;
    }

    /** The earliest record time added, or null when nothing was. */
    public Instant firstTime() {
      return firstTime;
    }

    /** The latest record time added, or null when nothing was. */
    public Instant lastTime() {
      return lastTime;
    }

    /** The container's bytes, covering offsets {@code firstOffset} to {@code lastOffset} inclusive. */
    public byte[] finish(long firstOffset, long lastOffset) {
      ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, size + 8192));
      try (DataFileWriter<GenericRecord> writer = new DataFileWriter<>(datumWriter)) {
        writer.setMeta(META_FORMAT, Integer.toString(FORMAT));
        writer.setMeta(META_CLUSTER, cluster);
        writer.setMeta(META_TOPIC, topic);
        writer.setMeta(META_PARTITION, Integer.toString(partition));
        writer.setMeta(META_FIRST_OFFSET, Long.toString(firstOffset));
        writer.setMeta(META_LAST_OFFSET, Long.toString(lastOffset));
        writer.create(ENTRY, out);
        for (byte[] entry : encoded) {
          writer.appendEncoded(ByteBuffer.wrap(entry));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out.toByteArray();
    }
  }

  /** Decodes a segment's plaintext; entries come back in the order they were written (offset order). */
  public static Segment read(byte[] plaintext) {
    try (DataFileReader<GenericRecord> reader = new DataFileReader<>(new SeekableByteArrayInput(plaintext),
        new SpecificDatumReader<GenericRecord>(null, ENTRY, MODEL))) {
      Header header = new Header(reader.getMetaString(META_CLUSTER), reader.getMetaString(META_TOPIC),
          Integer.parseInt(reader.getMetaString(META_PARTITION)), Long.parseLong(reader.getMetaString(META_FIRST_OFFSET)),
          Long.parseLong(reader.getMetaString(META_LAST_OFFSET)));
      List<ChangeLogEntry> entries = new ArrayList<>();
      for (GenericRecord entry : reader) {
        entries.add(new ChangeLogEntry(header.partition(), (Long) entry.get("offset"), (Instant) entry.get("timestamp"),
            entry.get("key").toString(), (ResourceChanged) entry.get("change")));
      }
      return new Segment(header, entries);
    } catch (IOException e) {
      throw new UncheckedIOException("not a readable change-log segment", e);
    }
  }
}
