package dev.lifeboat.schemas.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaBuilder.FieldAssembler;

/** Avro schemas for registry tests: a record evolving through compatible and incompatible changes. */
final class TestSchemas {
  private TestSchemas() {}

  /** {@code User{id}}. */
  static Schema user() {
    return fields().endRecord();
  }

  /** {@code User{id, email = ""}}: adds a field with a default, compatible both ways. */
  static Schema userWithOptionalEmail() {
    return fields().name("email").type().stringType().stringDefault("").endRecord();
  }

  /** {@code User{id, email}}: adds a field without a default, not backward compatible. */
  static Schema userWithRequiredEmail() {
    return fields().requiredString("email").endRecord();
  }

  /** {@code User{id, <field> = 0}}: any two of these are fully compatible with each other. */
  static Schema userWithCounter(String field) {
    return fields().name(field).type().intType().intDefault(0).endRecord();
  }

  /** A record of another name, {@code Order{number}}. */
  static Schema order() {
    return SchemaBuilder.record("Order").namespace("dev.lifeboat.test").fields()
        .requiredLong("number").endRecord();
  }

  private static FieldAssembler<Schema> fields() {
    return SchemaBuilder.record("User").namespace("dev.lifeboat.test").fields().requiredString("id");
  }
}
