package dev.lifeboat.embedded.apiserver;

import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/** A watch over a websocket: one text message per event, as fabric8 clients read them. */
final class WebSocketSink implements WatchSink {

  private static final short NORMAL = 1000;

  private final ServerWebSocket socket;
  private final Context context;
  private final AtomicBoolean ending = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();

  WebSocketSink(ServerWebSocket socket, Context context) {
    this.socket = socket;
    this.context = context;
    socket.closeHandler(v -> ended());
    socket.exceptionHandler(e -> ended());
    socket.textMessageHandler(text -> { });
  }

  @Override
  public void send(String event) {
    if (!ending.get()) {
      context.runOnContext(v -> {
        if (!socket.isClosed()) {
          socket.writeTextMessage(event);
        }
      });
    }
  }

  @Override
  public void close() {
    if (ending.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        if (!socket.isClosed()) {
          socket.close(NORMAL);
        }
      });
    }
    ended();
  }

  @Override
  public void onClose(Runnable action) {
    onClose.add(action);
    if (ended.get()) {
      action.run();
    }
  }

  private void ended() {
    if (ended.compareAndSet(false, true)) {
      onClose.forEach(Runnable::run);
    }
  }
}
