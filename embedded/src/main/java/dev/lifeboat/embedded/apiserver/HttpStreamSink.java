package dev.lifeboat.embedded.apiserver;

import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A watch over plain HTTP, as a real API server streams it: a chunked {@code application/json}
 * response carrying one event per line, which ends when the watch does.
 */
final class HttpStreamSink implements WatchSink {

  private final HttpServerResponse response;
  private final Context context;
  private final AtomicBoolean ending = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();

  HttpStreamSink(HttpServerResponse response, Context context) {
    this.response = response;
    this.context = context;
    response.closeHandler(v -> ended());
    response.exceptionHandler(e -> ended());
  }

  @Override
  public void send(String event) {
    if (!ending.get()) {
      context.runOnContext(v -> {
        if (!response.ended() && !response.closed()) {
          response.write(event + "\n");
        }
      });
    }
  }

  @Override
  public void close() {
    if (ending.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        if (!response.ended() && !response.closed()) {
          response.end();
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
