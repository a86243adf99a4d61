package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;

/**
 * Reads an object from a request body in the media types a real API server accepts: JSON, YAML
 * and Kubernetes protobuf, which {@code kubectl} sends for built-in kinds ({@code kubectl create
 * configmap}, {@code kubectl create namespace}). Any other type is answered 415.
 */
final class RequestBodies {

  static final String JSON = "application/json";
  static final String YAML = "application/yaml";
  static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
  private static final ObjectMapper YAML_MAPPER = new ObjectMapper(new YAMLFactory());

  private RequestBodies() {}

  static ObjectNode object(ApiRequest request) {
    String type = request.contentType();
    if (request.body().length == 0) {
      throw ApiException.badRequest("the request has no body");
    }
    switch (type) {
      case "":
      case JSON:
        return StoredObjects.parse(request.body());
      case YAML:
      case Patches.APPLY_PATCH:
        return yaml(request.body());
      case PROTOBUF:
        return ProtobufObjects.decode(request.body());
      default:
        throw ApiException.unsupportedMediaType("the body of the request was in an unknown format - "
            + "accepted media types include: " + JSON + ", " + YAML + ", " + PROTOBUF);
    }
  }

  private static ObjectNode yaml(byte[] body) {
    try {
      JsonNode node = YAML_MAPPER.readTree(body);
      if (node == null || !node.isObject()) {
        throw ApiException.badRequest("the body is not a YAML or JSON object");
      }
      return (ObjectNode) StoredObjects.JSON.readTree(StoredObjects.bytes(node));
    } catch (IOException e) {
      throw ApiException.badRequest("the body is not valid YAML: " + e.getMessage());
    }
  }
}
