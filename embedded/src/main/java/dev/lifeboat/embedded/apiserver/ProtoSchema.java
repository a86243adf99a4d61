package dev.lifeboat.embedded.apiserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message types of the Kubernetes API's protobuf encoding, read from the {@code
 * generated.proto} files of Kubernetes 1.32 (kept under {@code resources/.../apiserver/proto}, with
 * their comments stripped). Those files use a small part of the language: proto2 messages of
 * {@code optional}, {@code repeated} and {@code map<,>} fields, no nesting, enums or oneofs; that is
 * all this reader accepts.
 */
final class ProtoSchema {

  /** A field: its JSON name, and either a scalar type or a message type's full name. */
  record Field(String name, int number, boolean repeated, String type, String mapKey, String mapValue) {
    boolean isMap() {
      return mapKey != null;
    }
  }

  /** A message type: its full name and its fields by number. */
  record Message(String name, Map<Integer, Field> fields) {}

  private static final Pattern PACKAGE = Pattern.compile("^package\\s+([\\w.]+);");
  private static final Pattern MESSAGE = Pattern.compile("^message\\s+(\\w+)\\s*\\{");
  private static final Pattern FIELD =
      Pattern.compile("^(optional|repeated)\\s+([\\w.]+)\\s+(\\w+)\\s*=\\s*(\\d+)\\s*;");
  private static final Pattern MAP_FIELD =
      Pattern.compile("^map<\\s*([\\w.]+)\\s*,\\s*([\\w.]+)\\s*>\\s+(\\w+)\\s*=\\s*(\\d+)\\s*;");
  private static final String ROOT = "/dev/lifeboat/embedded/apiserver/proto/";
  private static final ProtoSchema KUBERNETES = load();

  private final Map<String, Message> messages;

  private ProtoSchema(Map<String, Message> messages) {
    this.messages = messages;
  }

  static ProtoSchema kubernetes() {
    return KUBERNETES;
  }

  Message message(String fullName) {
    return messages.get(fullName);
  }

  private static ProtoSchema load() {
    Map<String, Message> messages = new HashMap<>();
    for (String file : read("index.txt").split("\n")) {
      if (!file.isBlank()) {
        parse(read(file.trim()), messages);
      }
    }
    return new ProtoSchema(messages);
  }

  static void parse(String text, Map<String, Message> messages) {
    String pkg = "";
    Map<Integer, Field> fields = null;
    for (String raw : text.split("\n")) {
      String line = raw.trim();
      Matcher m;
      if ((m = PACKAGE.matcher(line)).find()) {
        pkg = m.group(1);
      } else if ((m = MESSAGE.matcher(line)).find()) {
        fields = new HashMap<>();
        messages.put(pkg + "." + m.group(1), new Message(pkg + "." + m.group(1), fields));
      } else if (fields != null && (m = FIELD.matcher(line)).find()) {
        int number = Integer.parseInt(m.group(4));
        fields.put(number, new Field(m.group(3), number, m.group(1).equals("repeated"),
            resolve(pkg, m.group(2)), null, null));
      } else if (fields != null && (m = MAP_FIELD.matcher(line)).find()) {
        int number = Integer.parseInt(m.group(4));
        fields.put(number, new Field(m.group(3), number, true, null, resolve(pkg, m.group(1)),
            resolve(pkg, m.group(2))));
      } else if (line.equals("}")) {
        fields = null;
      }
    }
  }

  /** A scalar type as is; a message type as its full name, without the leading dot. */
  private static String resolve(String pkg, String type) {
    if (ProtobufReader.isScalar(type)) {
      return type;
    }
    return type.startsWith(".") ? type.substring(1) : pkg + "." + type;
  }

  private static String read(String name) {
    try (InputStream in = ProtoSchema.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + ROOT + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + ROOT + name, e);
    }
  }
}
