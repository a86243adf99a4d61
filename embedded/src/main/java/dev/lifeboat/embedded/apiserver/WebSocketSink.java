package dev.lifeboat.embedded.apiserver;

import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;

/** A watch over a websocket: one text message per event, as fabric8 clients read them. */
final class WebSocketSink extends VertxWatchSink {

  private static final short NORMAL = 1000;

  private final ServerWebSocket socket;

  WebSocketSink(ServerWebSocket socket, Context context) {
    super(context);
    this.socket = socket;
    socket.closeHandler(v -> ended());
    socket.exceptionHandler(e -> ended());
    socket.textMessageHandler(text -> { });
  }

  @Override
  boolean open() {
    return !socket.isClosed();
  }

  @Override
  void write(String event) {
    socket.writeTextMessage(event);
  }

  @Override
  void end() {
    socket.close(NORMAL);
  }
}
