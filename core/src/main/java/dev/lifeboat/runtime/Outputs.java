package dev.lifeboat.runtime;

/**
 * Where a handler puts what it produces. Outputs are sent only after the handler returned without
 * error, and the input's offset is committed only after every output was acknowledged, so a crash
 * at any instant loses nothing (outputs may repeat: consumers de-duplicate by event or command id).
 * A transactional worker's outputs are committed with the offset, so they never repeat.
 */
public interface Outputs {

  /** Sends an Avro value (a generated record) to a topic of the contract; {@code null} is a tombstone. */
  void send(String topic, String key, Object value);
}
