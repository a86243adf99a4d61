package dev.lifeboat.embedded.apiserver;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One exec over a websocket in the Kubernetes remote-command protocol ({@code v4.channel.k8s.io} and
 * {@code v5.channel.k8s.io}): binary messages whose first byte is the channel (0 stdin, 1 stdout, 2
 * stderr, 3 the final Status, 4 terminal resize); in v5, a message {@code [255, n]} closes channel
 * {@code n}, which is how a client ends stdin. The command runs on a thread of its own; its exit code
 * is sent as a Status on channel 3, then the socket is closed normally. Stdin is handed over with
 * back-pressure: the socket is paused while {@value #PAUSE_AT} bytes wait to be read.
 */
final class ExecSession {
  static final String V5 = "v5.channel.k8s.io";
  private static final Logger log = LoggerFactory.getLogger(ExecSession.class);
  private static final int STDIN = 0;
  private static final int STDOUT = 1;
  private static final int STDERR = 2;
  private static final int ERROR = 3;
  private static final int CLOSE = 255;
  private static final int PAUSE_AT = 4 << 20;
  private static final int RESUME_AT = 1 << 20;
  private static final int MESSAGE = 64 << 10;
  private static final long WRITE_TIMEOUT_SECONDS = 60;

  private final ServerWebSocket socket;
  private final Context context;
  private final PodExec.Target target;
  private final Stdin stdin = new Stdin();

  ExecSession(ServerWebSocket socket, Context context, PodExec.Target target) {
    this.socket = socket;
    this.context = context;
    this.target = target;
    boolean v5 = V5.equals(socket.subProtocol());
    socket.binaryMessageHandler(message -> received(message, v5));
    socket.textMessageHandler(text -> { });
    socket.closeHandler(v -> stdin.end());
    socket.exceptionHandler(e -> stdin.end());
    if (!target.stdin()) {
      stdin.end();
    }
  }

  /** Runs the command on a new thread. */
  void start(String threadName) {
    Thread thread = new Thread(this::run, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  private void received(Buffer message, boolean v5) {
    if (message.length() == 0) {
      return;
    }
    int channel = message.getUnsignedByte(0);
    if (channel == STDIN && message.length() > 1) {
      stdin.offer(message.getBytes(1, message.length()));
    } else if (channel == CLOSE && v5 && message.length() > 1 && message.getUnsignedByte(1) == STDIN) {
      stdin.end();
    }
  }

  private void run() {
    Channel out = new Channel(STDOUT, target.stdout());
    Channel err = new Channel(STDERR, target.stderr());
    ObjectNode status;
    try {
      Map<String, Object> pod = StoredObjects.JSON.convertValue(target.pod(), Map.class);
      int code = target.handler().exec(new ExecHandler.Exec(pod, target.container(), target.command(), stdin, out, err));
      out.flush();
      err.flush();
      status = code == 0 ? success() : nonZero(target.command(), code);
    } catch (Exception | Error e) {
      log.warn("Exec of {} in pod {}/{} failed", target.command(), StoredObjects.namespace(target.pod()),
          StoredObjects.name(target.pod()), e);
      status = failure("InternalError", "error executing command " + target.command() + ": " + e);
    } finally {
      stdin.close();
    }
    try {
      send(ERROR, StoredObjects.bytes(status), 0, -1);
    } catch (IOException e) {
      log.debug("Exec status not sent: {}", e.toString());
    }
    context.runOnContext(v -> {
      if (!socket.isClosed()) {
        socket.close((short) 1000);
      }
    });
  }

  private void send(int channel, byte[] data, int offset, int length) throws IOException {
    int n = length < 0 ? data.length - offset : length;
    Buffer message = Buffer.buffer(n + 1).appendByte((byte) channel).appendBytes(data, offset, n);
    Future<Void> written = socket.writeBinaryMessage(message);
    try {
      written.toCompletionStage().toCompletableFuture().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted writing to the exec stream");
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot write to the exec stream: " + e.getMessage(), e);
    }
  }

  private static ObjectNode success() {
    ObjectNode status = StoredObjects.JSON.createObjectNode();
    status.putObject("metadata");
    return status.put("status", "Success");
  }

  /** The Status a kubelet sends when the command exits non-zero, as clients read the exit code from it. */
  private static ObjectNode nonZero(List<String> command, int code) {
    ObjectNode status = failure("NonZeroExitCode", "command terminated with non-zero exit code: error executing command "
        + command + ", exit code " + code);
    status.putObject("details").putArray("causes").addObject().put("reason", "ExitCode").put("message",
        Integer.toString(code));
    return status;
  }

  private static ObjectNode failure(String reason, String message) {
    ObjectNode status = StoredObjects.JSON.createObjectNode();
    status.putObject("metadata");
    return status.put("status", "Failure").put("message", message).put("reason", reason);
  }

  /** An output channel: buffered, each full buffer one message; discarded when the client asked for none. */
  private final class Channel extends OutputStream {
    private final int channel;
    private final boolean wanted;
    private final byte[] buffer = new byte[MESSAGE];
    private int used;

    Channel(int channel, boolean wanted) {
      this.channel = channel;
      this.wanted = wanted;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      if (used == buffer.length) {
        flush();
      }
      buffer[used++] = (byte) b;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        if (used == buffer.length) {
          flush();
        }
        int n = Math.min(len, buffer.length - used);
        System.arraycopy(b, off, buffer, used, n);
        used += n;
        off += n;
        len -= n;
      }
    }

    @Override
    public synchronized void flush() throws IOException {
      if (used > 0 && wanted) {
        send(channel, buffer, 0, used);
      }
      used = 0;
    }
  }

  /** Stdin as the client sends it; the socket is paused while too much waits to be read. */
  private final class Stdin extends InputStream {
    private final Deque<byte[]> queue = new ArrayDeque<>();
    private byte[] head;
    private int at;
    private long queued;
    private boolean ended;
    private boolean closed;
    private boolean paused;

    synchronized void offer(byte[] data) {
      if (ended || closed) {
        return;
      }
      queue.add(data);
      queued += data.length;
      if (queued > PAUSE_AT && !paused) {
        paused = true;
        socket.pause();
      }
      notifyAll();
    }

    synchronized void end() {
      ended = true;
      notifyAll();
    }

    @Override
    public synchronized int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      while (head == null) {
        if (closed) {
          throw new IOException("stdin is closed");
        }
        head = queue.poll();
        at = 0;
        if (head != null) {
          break;
        }
        if (ended) {
          return -1;
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted reading stdin");
        }
      }
      int n = Math.min(len, head.length - at);
      System.arraycopy(head, at, b, off, n);
      at += n;
      queued -= n;
      if (at == head.length) {
        head = null;
      }
      if (paused && queued < RESUME_AT) {
        paused = false;
        context.runOnContext(v -> socket.resume());
      }
      return n;
    }

    @Override
    public synchronized int available() {
      return (int) Math.min(Integer.MAX_VALUE, queued);
    }

    @Override
    public synchronized void close() {
      closed = true;
      queue.clear();
      head = null;
      queued = 0;
      if (paused) {
        paused = false;
        context.runOnContext(v -> socket.resume());
      }
      notifyAll();
    }
  }
}
