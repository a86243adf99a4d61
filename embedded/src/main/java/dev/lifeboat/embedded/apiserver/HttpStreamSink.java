package dev.lifeboat.embedded.apiserver;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

/**
 * A watch over plain HTTP, as a real API server streams it: a chunked {@code application/json}
 * response carrying one event per line, which ends when the watch does.
 */
final class HttpStreamSink extends VertxWatchSink {

  private final HttpServerResponse response;

  HttpStreamSink(HttpServerResponse response, Context context) {
    super(context);
    this.response = response;
    response.closeHandler(v -> ended());
    response.exceptionHandler(e -> ended());
  }

  @Override
  boolean open() {
    return !response.ended() && !response.closed();
  }

  @Override
  void write(String event) {
    response.write(event + "\n");
  }

  @Override
  void end() {
    response.end();
  }
}
