package dev.lifeboat.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.events.v1.Header;
import dev.lifeboat.schemas.registry.CompatibilityChecker.EarlierVersion;
import dev.lifeboat.schemas.serde.TrustedContract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * What the tests of the contract's evolution share: a record written in Avro's binary encoding with one
 * version of a schema and read with another, as a consumer built on the newer version reads what an
 * older producer wrote.
 */
final class SchemaEvolution {
  /** The time every evolution test's events carry. */
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  static {
    TrustedContract.ensure();
  }

  private SchemaEvolution() {}

  /** {@code value} (a generated record or a generic one) in Avro's binary encoding under {@code writer}. */
  static byte[] encode(Schema writer, Object value) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new SpecificDatumWriter<>(writer, SpecificData.getForSchema(writer)).write(value, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  /** {@code bytes} written under {@code writer}, resolved against {@code reader} into the generated classes. */
  static Object read(Schema writer, Schema reader, byte[] bytes) throws IOException {
    return new SpecificDatumReader<>(writer, reader, SpecificData.getForSchema(reader))
        .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
  }

  /** An event header at {@link #T} from cluster {@code prod}. */
  static Header header(String source) {
    return Header.newBuilder().setEventId("e1").setTime(T).setCluster("prod").setSource(source).build();
  }

  /** What is wrong with {@code current} under {@code level}, when a registry holds {@code previous} as version 1. */
  static List<String> problems(CompatibilityLevel level, Schema current, Schema previous) {
    return CompatibilityChecker.check(level, current, List.of(new EarlierVersion(1, previous)));
  }

  /**
   * {@code current} is the union {@code previous} with the branches {@code added} appended, in that order,
   * and a registry that holds {@code previous} accepts it under BACKWARD.
   */
  static void assertBranchesAppended(Schema previous, Schema current, String... added) {
    List<String> branches = new ArrayList<>(previous.getTypes().stream().map(Schema::getName).toList());
    branches.addAll(List.of(added));
    assertThat(current.getTypes()).extracting(Schema::getName).containsExactlyElementsOf(branches);
    assertThat(problems(CompatibilityLevel.BACKWARD, current, previous)).isEmpty();
  }
}
