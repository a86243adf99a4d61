package dev.lifeboat.schemas.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * An Avro schema together with the text the registry stores and compares it by: Avro's own JSON
 * rendering of the parsed schema. Whitespace and attribute order do not matter; names, defaults,
 * docs, aliases and other properties do, so two schemas share a global id only if a reader would
 * resolve data with them identically. (Avro's Parsing Canonical Form is not used: it drops
 * defaults, which would give one id to schemas that evolve differently.)
 */
record CanonicalSchema(String text, Schema schema) {

  /** Parses {@code text} as an Avro schema; an unparsable one is a 422 with error code 42201. */
  static CanonicalSchema parse(String text) {
    if (text == null || text.isBlank()) {
      throw RegistryErrors.invalidSchema("Empty schema");
    }
    try {
      Schema schema = new Schema.Parser().parse(text);
      return new CanonicalSchema(schema.toString(), schema);
    } catch (SchemaParseException | IllegalArgumentException e) {
      throw RegistryErrors.invalidSchema("Invalid schema: " + e.getMessage());
    }
  }

  /**
   * A schema as the topic holds it: the text is kept exactly as written, since it is the identity
   * the writer compared by, and parsed only to get the schema.
   *
   * @throws SchemaParseException if the text is not a schema
   */
  static CanonicalSchema stored(String text) {
    return new CanonicalSchema(text, new Schema.Parser().parse(text));
  }

  static CanonicalSchema of(Schema schema) {
    return new CanonicalSchema(schema.toString(), schema);
  }
}
