package dev.lifeboat.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.schemas.registry.RegistryRecord.ConfigChange;
import dev.lifeboat.schemas.registry.RegistryRecord.SchemaProposal;
import dev.lifeboat.schemas.registry.RegistryRecord.SubjectDeletion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The JSON keys and values of the registry's topic.
 *
 * <pre>
 * key {"keytype":"SCHEMA","proposal":"&lt;uuid&gt;"}           value {"subject":"s","version":1,"id":1,"schema":"..."}
 * key {"keytype":"CONFIG","subject":"s"|null}            value {"compatibilityLevel":"FULL"} or none (removed)
 * key {"keytype":"DELETE_SUBJECT","proposal":"&lt;uuid&gt;"}   value {"subject":"s","version":3}
 * </pre>
 *
 * Config keys are written with a fixed field order, so compaction keeps only the latest setting
 * of each subject. Records of other key types are skipped, so newer writers can add some.
 */
final class RegistryRecordCodec {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RegistryRecordCodec() {}

  static byte[] key(RegistryRecord record) {
    ObjectNode key = JSON.createObjectNode();
    if (record instanceof SchemaProposal proposal) {
      key.put("keytype", "SCHEMA").put("proposal", proposal.proposal());
    } else if (record instanceof ConfigChange change) {
      key.put("keytype", "CONFIG").put("subject", change.subject());
    } else if (record instanceof SubjectDeletion deletion) {
      key.put("keytype", "DELETE_SUBJECT").put("proposal", deletion.proposal());
    }
    return write(key);
  }

  /** The value of the record, or null for a tombstone. */
  static byte[] value(RegistryRecord record) {
    ObjectNode value = JSON.createObjectNode();
    if (record instanceof SchemaProposal proposal) {
      value.put("subject", proposal.subject())
          .put("version", proposal.version())
          .put("id", proposal.id())
          .put("schema", proposal.schema());
    } else if (record instanceof ConfigChange change) {
      if (change.level() == null) {
        return null;
      }
      value.put("compatibilityLevel", change.level().name());
    } else if (record instanceof SubjectDeletion deletion) {
      value.put("subject", deletion.subject()).put("version", deletion.upToVersion());
    }
    return write(value);
  }

  /**
   * Reads one record of the topic; empty for a key type this version does not know.
   *
   * @throws IllegalArgumentException if the record is not valid JSON of a known key type
   */
  static Optional<RegistryRecord> decode(byte[] keyBytes, byte[] valueBytes) {
    JsonNode key = read(keyBytes);
    String keyType = key.path("keytype").asText("");
    switch (keyType) {
      case "SCHEMA": {
        JsonNode value = read(valueBytes);
        return Optional.of(new SchemaProposal(text(key, "proposal"), text(value, "subject"),
            number(value, "version"), number(value, "id"), text(value, "schema")));
      }
      case "CONFIG": {
        JsonNode subjectNode = key.get("subject");
        String subject = subjectNode == null || subjectNode.isNull() ? null : subjectNode.asText();
        if (valueBytes == null) {
          return Optional.of(new ConfigChange(subject, null));
        }
        String level = text(read(valueBytes), "compatibilityLevel");
        return Optional.of(new ConfigChange(subject, CompatibilityLevel.forName(level)
            .orElseThrow(() -> new IllegalArgumentException("unknown compatibility level " + level))));
      }
      case "DELETE_SUBJECT": {
        JsonNode value = read(valueBytes);
        return Optional.of(new SubjectDeletion(text(key, "proposal"), text(value, "subject"),
            number(value, "version")));
      }
      default:
        return Optional.empty();
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("field '" + field + "' missing or not a string");
    }
    return value.asText();
  }

  private static int number(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.canConvertToInt()) {
      throw new IllegalArgumentException("field '" + field + "' missing or not an int");
    }
    return value.asInt();
  }

  private static JsonNode read(byte[] bytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("missing key or value");
    }
    try {
      JsonNode node = JSON.readTree(bytes);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("not a JSON object");
      }
      return node;
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
  }

  private static byte[] write(JsonNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
