package dev.lifeboat.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses TCP ports on the loopback address for the embedded components.
 *
 * <p>A component asks for the port a user expects (Kafka's 9092, etcd's 2379, ...) and takes
 * another free one when that port is taken, so two stacks, or a stack next to a real service, can
 * run on one machine. The port is only probed, not held, so another process may still take it
 * between the probe and the component's own bind; on a developer machine that race is rare enough.
 */
public final class Ports {

  private static final Logger log = LoggerFactory.getLogger(Ports.class);
  private static final StackWalker CALLER =
      StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

  private Ports() {}

  /**
   * The preferred port if it can be bound on 127.0.0.1, else a free one. The warning names the
   * calling class as the component.
   *
   * @param preferred the port to try first; 0 means any free port
   */
  public static int preferredOrFree(int preferred) {
    String component = CALLER.getCallerClass().getSimpleName();
    return preferredOrFree(component, preferred);
  }

  /**
   * The preferred port if it can be bound on 127.0.0.1, else a free one, logging a warning that
   * names the component, the taken port and the chosen one.
   *
   * @param component what the port is for, as the warning should name it
   * @param preferred the port to try first; 0 means any free port
   */
  public static int preferredOrFree(String component, int preferred) {
    if (preferred < 0 || preferred > 65535) {
      throw new IllegalArgumentException(
          "port of " + component + " must be between 0 and 65535, was " + preferred);
    }
    if (preferred == 0) {
      return free();
    }
    if (isFree(preferred)) {
      return preferred;
    }
    int chosen = free();
    log.warn("{}: port {} on 127.0.0.1 is taken, using {} instead", component, preferred, chosen);
    return chosen;
  }

  /** A port that could be bound on 127.0.0.1 a moment ago. */
  public static int free() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(loopback(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }

  /**
   * A free port other than those {@code taken}: {@link #free()} may hand out again a port it has just
   * handed out and nobody has bound yet, so a process that needs several ports asks for the others so.
   */
  public static int freeOtherThan(int... taken) {
    for (int i = 0; i < 100; i++) {
      int port = free();
      if (java.util.Arrays.stream(taken).noneMatch(t -> t == port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port on 127.0.0.1 other than " + java.util.Arrays.toString(taken));
  }

  /** Whether {@code port} can be bound on 127.0.0.1 right now. */
  public static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(loopback(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** 127.0.0.1, the only address the embedded components bind. */
  static InetAddress loopback() {
    try {
      return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
