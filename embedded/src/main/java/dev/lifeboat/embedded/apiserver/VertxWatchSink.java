package dev.lifeboat.embedded.apiserver;

import io.vertx.core.Context;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What both transports of a watch share: sends and the close run on the connection's Vert.x context
 * (so they never block the caller), nothing is written once the sink is ending or the connection is
 * gone, and the close actions run once, whichever side ends the stream. A subclass says how to write
 * an event, how to end the stream and whether the connection is still open.
 */
abstract class VertxWatchSink implements WatchSink {
  private final Context context;
  private final AtomicBoolean ending = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();

  VertxWatchSink(Context context) {
    this.context = context;
  }

  /** Whether the connection can still be written to; called on the context. */
  abstract boolean open();

  /** Writes one event; called on the context, while {@link #open()}. */
  abstract void write(String event);

  /** Ends the stream normally; called on the context, while {@link #open()}. */
  abstract void end();

  @Override
  public final void send(String event) {
    if (!ending.get()) {
      context.runOnContext(v -> {
        if (open()) {
          write(event);
        }
      });
    }
  }

  @Override
  public final void close() {
    if (ending.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        if (open()) {
          end();
        }
      });
    }
    ended();
  }

  @Override
  public final void onClose(Runnable action) {
    onClose.add(action);
    if (ended.get()) {
      action.run();
    }
  }

  /** The stream has ended, from either side: runs the close actions, once. */
  final void ended() {
    if (ended.compareAndSet(false, true)) {
      onClose.forEach(Runnable::run);
    }
  }
}
