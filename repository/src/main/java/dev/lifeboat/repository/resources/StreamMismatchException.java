package dev.lifeboat.repository.resources;

/** A resource snapshot's stream whose bytes do not hash to the SHA-256 its manifest records. */
public final class StreamMismatchException extends IllegalStateException {
  private final String stream;

  public StreamMismatchException(String stream, String actual, String expected) {
    super("stream " + stream + " hashes to " + actual + ", its manifest says " + expected);
    this.stream = stream;
  }

  /** The stream's name: a namespace, or {@link ResourceDocument#CLUSTER_SCOPED}. */
  public String stream() {
    return stream;
  }
}
