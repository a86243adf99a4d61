package dev.lifeboat.embedded.apiserver;

/**
 * Where a watch's events go: a websocket (what fabric8 clients open) or a chunked HTTP response
 * with one JSON event per line (what {@code kubectl get --watch} and client-go read). Sends never
 * block; a sink that is closed ignores them.
 */
interface WatchSink {

  /** Sends one event, {@code {"type":"ADDED","object":{...}}}. */
  void send(String event);

  /** Ends the stream (a normal websocket close, or the end of the HTTP response). */
  void close();

  /** Runs {@code action} once when the stream ends, from either side. */
  void onClose(Runnable action);
}
