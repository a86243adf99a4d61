package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.embedded.apiserver.ProtoSchema.Field;
import dev.lifeboat.embedded.apiserver.ProtoSchema.Message;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.Set;

/**
 * Reads an object in the Kubernetes protobuf encoding, which {@code kubectl} sends for built-in
 * kinds, into the JSON a client would have sent: the 4-byte magic {@code k8s\0}, then a {@code
 * runtime.Unknown} naming apiVersion and kind around the object's own message. Types with their own
 * JSON form are written as JSON writes them (times as RFC 3339, quantities and int-or-strings as
 * scalars, raw extensions as embedded JSON); empty strings and zero times are left out, as Go's
 * {@code omitempty} leaves them. A field this server's schema does not know is refused (415), never
 * dropped.
 */
final class ProtobufObjects {

  private static final byte[] MAGIC = {'k', '8', 's', 0};
  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
  private static final Map<String, String> PACKAGES = Map.ofEntries(
      Map.entry("", "core"), Map.entry("apps", "apps"), Map.entry("batch", "batch"),
      Map.entry("autoscaling", "autoscaling"), Map.entry("policy", "policy"),
      Map.entry("rbac.authorization.k8s.io", "rbac"), Map.entry("networking.k8s.io", "networking"),
      Map.entry("scheduling.k8s.io", "scheduling"), Map.entry("coordination.k8s.io", "coordination"),
      Map.entry("storage.k8s.io", "storage"), Map.entry("discovery.k8s.io", "discovery"),
      Map.entry("authentication.k8s.io", "authentication"));
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  /**
   * Integer fields whose zero means something (pointers in the Go types, or values without
   * omitempty); Go leaves out the zero of the others, and so does this reader.
   */
  private static final Set<String> KEEP_ZERO = Set.of("replicas", "parallelism", "completions",
      "backoffLimit", "revisionHistoryLimit", "successfulJobsHistoryLimit", "failedJobsHistoryLimit",
      "terminationGracePeriodSeconds", "activeDeadlineSeconds", "ttlSecondsAfterFinished",
      "startingDeadlineSeconds", "runAsUser", "runAsGroup", "fsGroup", "priority", "value",
      "defaultMode", "mode", "minReadySeconds", "maxSkew", "weight", "exitCode", "intVal");

  private ProtobufObjects() {}

  static ObjectNode decode(byte[] body) {
    if (body.length < MAGIC.length || body[0] != 'k' || body[1] != '8' || body[2] != 's' || body[3] != 0) {
      throw ProtobufReader.malformed("it does not start with the Kubernetes protobuf prefix");
    }
    String apiVersion = "";
    String kind = "";
    byte[] raw = null;
    ProtobufReader unknown = new ProtobufReader(body, MAGIC.length, body.length);
    while (unknown.hasMore()) {
      long tag = unknown.varint();
      int number = (int) (tag >>> 3);
      if (number == 1 && (tag & 7) == ProtobufReader.LENGTH_DELIMITED) {
        ProtobufReader typeMeta = unknown.delimited();
        while (typeMeta.hasMore()) {
          long t = typeMeta.varint();
          if ((t >>> 3) == 1) {
            apiVersion = typeMeta.delimited().string();
          } else if ((t >>> 3) == 2) {
            kind = typeMeta.delimited().string();
          } else {
            typeMeta.skip((int) (t & 7));
          }
        }
      } else if (number == 2 && (tag & 7) == ProtobufReader.LENGTH_DELIMITED) {
        raw = unknown.delimited().remaining();
      } else {
        unknown.skip((int) (tag & 7));
      }
    }
    if (raw == null || kind.isEmpty()) {
      throw ProtobufReader.malformed("it names no kind or carries no object");
    }
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    String pkg = PACKAGES.get(group);
    Message message = pkg == null ? null
        : ProtoSchema.kubernetes().message("k8s.io.api." + pkg + "." + version + "." + kind);
    if (message == null) {
      throw ApiException.unsupportedMediaType("this server cannot read " + kind + " (" + apiVersion
          + ") in protobuf; send it as application/json");
    }
    ObjectNode object = JSON.objectNode().put("apiVersion", apiVersion).put("kind", kind);
    object.setAll(message(message, new ProtobufReader(raw, 0, raw.length)));
    return object;
  }

  private static ObjectNode message(Message message, ProtobufReader in) {
    ObjectNode object = JSON.objectNode();
    while (in.hasMore()) {
      long tag = in.varint();
      int number = (int) (tag >>> 3);
      int wire = (int) (tag & 7);
      Field field = message.fields().get(number);
      if (field == null) {
        throw ApiException.unsupportedMediaType("field " + number + " of " + message.name()
            + " is not known to this server; send the object as application/json");
      }
      if (field.isMap()) {
        ProtobufReader entry = in.delimited();
        String key = "";
        JsonNode value = null;
        while (entry.hasMore()) {
          long t = entry.varint();
          if ((t >>> 3) == 1) {
            key = scalar(field.mapKey(), (int) (t & 7), entry).asText();
          } else {
            value = value(field.mapValue(), (int) (t & 7), entry);
          }
        }
        object.with(field.name()).set(key, value == null ? empty(field.mapValue()) : value);
      } else if (field.repeated()) {
        ArrayNode list = object.withArray(field.name());
        if (wire == ProtobufReader.LENGTH_DELIMITED && ProtobufReader.isScalar(field.type())
            && !field.type().equals("string") && !field.type().equals("bytes")) {
          ProtobufReader packed = in.delimited();
          while (packed.hasMore()) {
            list.add(scalar(field.type(), ProtobufReader.VARINT, packed));
          }
        } else {
          list.add(value(field.type(), wire, in));
        }
      } else {
        JsonNode value = value(field.type(), wire, in);
        boolean zero = value.isIntegralNumber() && value.asLong() == 0 && !KEEP_ZERO.contains(field.name());
        if (!(value.isTextual() && value.asText().isEmpty()) && !value.isNull() && !zero) {
          object.set(field.name(), value);
        } else {
          object.remove(field.name());
        }
      }
    }
    return object;
  }

  private static JsonNode value(String type, int wire, ProtobufReader in) {
    if (ProtobufReader.isScalar(type)) {
      return scalar(type, wire, in);
    }
    Message message = ProtoSchema.kubernetes().message(type);
    if (message == null) {
      throw ApiException.unsupportedMediaType("type " + type + " is not known to this server");
    }
    ProtobufReader inner = in.delimited();
    switch (type) {
      case META + "Time":
      case META + "MicroTime":
        return time(message, inner, type.endsWith("MicroTime"));
      case "k8s.io.apimachinery.pkg.api.resource.Quantity":
      case "k8s.io.apimachinery.pkg.api.resource.QuantityValue":
        return JSON.textNode(message(message, inner).path("string").asText());
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString": {
        ObjectNode v = message(message, inner);
        return v.path("type").asInt() == 1 ? JSON.textNode(v.path("strVal").asText())
            : JSON.numberNode(v.path("intVal").asInt());
      }
      case "k8s.io.apimachinery.pkg.runtime.RawExtension":
        return embedded(message(message, inner).path("raw").asText());
      case META + "FieldsV1":
        return embedded(message(message, inner).path("Raw").asText());
      case META + "Duration":
        return JSON.textNode(message(message, inner).path("duration").asLong() / 1_000_000_000L + "s");
      case META + "Verbs":
      case "k8s.io.api.authentication.v1.ExtraValue":
        return message(message, inner).withArray("items");
      default:
        return message(message, inner);
    }
  }

  private static JsonNode scalar(String type, int wire, ProtobufReader in) {
    switch (type) {
      case "string":
        return JSON.textNode(in.delimited().string());
      case "bytes":
        return JSON.textNode(Base64.getEncoder().encodeToString(in.delimited().remaining()));
      case "bool":
        return JSON.booleanNode(in.varint() != 0);
      case "int32":
        return JSON.numberNode((int) in.varint());
      case "double":
        return JSON.numberNode(Double.longBitsToDouble(in.fixed64()));
      case "float":
        return JSON.numberNode(Float.intBitsToFloat(in.fixed32()));
      default:
        return JSON.numberNode(wire == ProtobufReader.FIXED64 ? in.fixed64() : in.varint());
    }
  }

  private static JsonNode empty(String type) {
    return type.equals("string") || type.equals("bytes") ? JSON.textNode("") : JSON.objectNode();
  }

  private static JsonNode time(Message message, ProtobufReader in, boolean micro) {
    ObjectNode v = message(message, in);
    long seconds = v.path("seconds").asLong();
    int nanos = v.path("nanos").asInt();
    if (seconds == 0 && nanos == 0) {
      return JSON.nullNode();
    }
    Instant instant = Instant.ofEpochSecond(seconds, nanos);
    return JSON.textNode(micro
        ? DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(java.time.ZoneOffset.UTC)
            .format(instant)
        : instant.truncatedTo(ChronoUnit.SECONDS).toString());
  }

  /** The JSON a raw field carries (base64 here, as read); null if it is not JSON. */
  private static JsonNode embedded(String base64) {
    if (base64.isEmpty()) {
      return JSON.nullNode();
    }
    try {
      return StoredObjects.JSON.readTree(Base64.getDecoder().decode(base64));
    } catch (IOException | IllegalArgumentException e) {
      throw ApiException.unsupportedMediaType("an embedded object is not JSON; send the object as application/json");
    }
  }
}
