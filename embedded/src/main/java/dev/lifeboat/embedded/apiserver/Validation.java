package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeboat.embedded.apiserver.ApiException.Cause;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The checks a real API server makes on every object before it stores one, with its messages: names
 * (RFC 1123 subdomains, or labels for namespaces and services), label keys and values, ConfigMap
 * and Secret keys, Secret values in base64, and the name of a CustomResourceDefinition. It knows no
 * schemas, so the fields of a kind's spec are not checked.
 */
final class Validation {

  private static final String LABEL_CHARS = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final Pattern DNS_LABEL = Pattern.compile(LABEL_CHARS);
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile(LABEL_CHARS + "(\\." + LABEL_CHARS + ")*");
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final String SUBDOMAIN_MESSAGE = "a lowercase RFC 1123 subdomain must consist of "
      + "lower case alphanumeric characters, '-' or '.', and must start and end with an "
      + "alphanumeric character (e.g. 'example.com', regex used for validation is '"
      + DNS_SUBDOMAIN.pattern() + "')";
  private static final String LABEL_MESSAGE = "a lowercase RFC 1123 label must consist of lower case "
      + "alphanumeric characters or '-', and must start and end with an alphanumeric character "
      + "(e.g. 'my-name',  or '123-abc', regex used for validation is '" + LABEL_CHARS + "')";

  private Validation() {}

  /** Throws 422 Invalid naming every bad field of {@code object}. */
  static void check(ApiResourceType type, ObjectNode object) {
    List<Cause> causes = new ArrayList<>();
    String name = StoredObjects.name(object);
    checkName(type, name, causes);
    checkLabels(object.path("metadata").path("labels"), causes);
    checkAnnotations(object.path("metadata").path("annotations"), causes);
    if (!type.custom() && type.group().isEmpty()) {
      switch (type.kind()) {
        case "ConfigMap" -> checkConfigMap(object, causes);
        case "Secret" -> checkSecret(object, causes);
        default -> { }
      }
    }
    if (type == ResourceCatalog.CRDS) {
      checkDefinition(object, causes);
    }
    if (!causes.isEmpty()) {
      throw ApiException.invalid(type, name, causes);
    }
  }

  private static void checkName(ApiResourceType type, String name, List<Cause> causes) {
    if (name.isEmpty()) {
      causes.add(Cause.required("metadata.name", "name or generateName is required"));
      return;
    }
    boolean label = !type.custom() && type.group().isEmpty()
        && (type.plural().equals("namespaces") || type.plural().equals("services"));
    if (type.custom() || type.group().equals("rbac.authorization.k8s.io")) {
      if (name.equals(".") || name.equals("..") || name.contains("/") || name.contains("%")) {
        causes.add(Cause.invalid("metadata.name", name,
            "may not be '.' or '..' and may not contain '/' or '%'"));
      }
    } else if (label) {
      if (name.length() > 63) {
        causes.add(Cause.invalid("metadata.name", name, "must be no more than 63 characters"));
      } else if (!DNS_LABEL.matcher(name).matches()) {
        causes.add(Cause.invalid("metadata.name", name, LABEL_MESSAGE));
      }
    } else if (name.length() > 253) {
      causes.add(Cause.invalid("metadata.name", name, "must be no more than 253 characters"));
    } else if (!DNS_SUBDOMAIN.matcher(name).matches()) {
      causes.add(Cause.invalid("metadata.name", name, SUBDOMAIN_MESSAGE));
    }
  }

  private static void checkLabels(JsonNode labels, List<Cause> causes) {
    for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> label = it.next();
      checkQualifiedName("metadata.labels", label.getKey(), causes);
      String value = label.getValue().asText();
      if (value.length() > 63 || !(value.isEmpty() || QUALIFIED_NAME.matcher(value).matches())) {
        causes.add(Cause.invalid("metadata.labels", value, "a valid label must be an empty string or "
            + "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
            + "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
            + "validation is '(" + QUALIFIED_NAME.pattern() + ")?')"));
      }
    }
  }

  private static void checkAnnotations(JsonNode annotations, List<Cause> causes) {
    for (Iterator<String> it = annotations.fieldNames(); it.hasNext(); ) {
      checkQualifiedName("metadata.annotations", it.next(), causes);
    }
  }

  private static void checkQualifiedName(String field, String key, List<Cause> causes) {
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = slash < 0 ? key : key.substring(slash + 1);
    boolean valid = name.length() <= 63 && QUALIFIED_NAME.matcher(name).matches()
        && (prefix == null || (prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()));
    if (!valid) {
      causes.add(Cause.invalid(field, key, "name part must consist of alphanumeric characters, '-', "
          + "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
          + "'my.name',  or '123-abc', regex used for validation is '(" + QUALIFIED_NAME.pattern()
          + ")') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
    }
  }

  private static void checkConfigMap(ObjectNode object, List<Cause> causes) {
    checkKeys("data", object.path("data"), causes);
    checkKeys("binaryData", object.path("binaryData"), causes);
    for (Iterator<String> it = object.path("data").fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (object.path("binaryData").has(key)) {
        causes.add(Cause.invalid("data", key, "duplicate of key present in binaryData"));
      }
    }
  }

  private static void checkSecret(ObjectNode object, List<Cause> causes) {
    checkKeys("data", object.path("data"), causes);
    for (Iterator<Map.Entry<String, JsonNode>> it = object.path("data").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      try {
        Base64.getDecoder().decode(entry.getValue().asText());
      } catch (IllegalArgumentException e) {
        throw ApiException.badRequest("Secret in version \"v1\" cannot be handled as a Secret: "
            + "illegal base64 data in data[" + entry.getKey() + "]");
      }
    }
  }

  private static void checkKeys(String field, JsonNode map, List<Cause> causes) {
    for (Iterator<String> it = map.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (key.length() > 253 || !CONFIG_KEY.matcher(key).matches()) {
        causes.add(Cause.invalid(field + "[" + key + "]", key, "a valid config key must consist of "
            + "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
            + "'key-name', regex used for validation is '" + CONFIG_KEY.pattern() + "')"));
      }
    }
  }

  private static void checkDefinition(ObjectNode crd, List<Cause> causes) {
    JsonNode spec = crd.path("spec");
    String expected = spec.path("names").path("plural").asText() + "." + spec.path("group").asText();
    if (!StoredObjects.name(crd).equals(expected)) {
      causes.add(Cause.invalid("metadata.name", StoredObjects.name(crd),
          "must be spec.names.plural+\".\"+spec.group"));
    }
    if (spec.path("names").path("kind").asText().isEmpty()) {
      causes.add(Cause.required("spec.names.kind", ""));
    }
    if (!spec.path("versions").isArray() || spec.path("versions").isEmpty()) {
      causes.add(Cause.required("spec.versions", "must have exactly one version marked as storage version"));
    }
  }
}
