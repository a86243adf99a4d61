package dev.lifeboat.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Breaks watches the way a real API server does, for tests of clients that must not miss a change:
 * it expires open watches (an {@code ERROR} event with a 410 {@code Expired} status, then close),
 * and it takes the API down (503 to everyone but the administrator). Every other request goes to
 * the dispatcher it wraps.
 *
 * <p>Once watches have been expired or an outage has ended, a watch that starts from a
 * resourceVersion older than the newest one at that moment is expired at once, as by a server
 * whose watch cache has moved on: the connection is accepted, gets the same {@code ERROR} event and
 * is closed. The CRUD mock's resourceVersions come from one global counter, so they compare as
 * numbers. The mock does not advance the counter when it removes an object; this dispatcher does,
 * so that a deletion alone also makes older watches stale.
 *
 * <p>The CRUD mock streams watches over websockets only and answers a plain HTTP watch with a 500.
 * fabric8 falls back to plain HTTP when the first request of a watch gets a 503, so during an
 * outage an informer can end up there; such a watch is therefore answered with the 410 event too,
 * and the informer lists again and returns to a websocket.
 */
final class FaultInjectingDispatcher extends Dispatcher {

  /** Requests with this header set to {@code true} are served during an outage. */
  static final String ADMIN_HEADER = "X-Lifeboat-Admin";

  private static final Logger log = LoggerFactory.getLogger(FaultInjectingDispatcher.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CLOSE_NORMAL = 1000;
  private static final int CLOSE_GOING_AWAY = 1001;
  private static final String WEBSOCKETS_ONLY =
      "this server streams watches over websockets only; list again and watch over a websocket";

  private final Dispatcher next;
  private final KubernetesCrudDispatcher crud;
  private final Set<WebSocket> openWatches = ConcurrentHashMap.newKeySet();
  private final AtomicLong expiredBelow = new AtomicLong();
  private volatile boolean outage;
  private final Set<String> forbidden = ConcurrentHashMap.newKeySet();

  /**
   * @param next where requests go when no fault applies
   * @param crud the store, for its resourceVersions
   */
  FaultInjectingDispatcher(Dispatcher next, KubernetesCrudDispatcher crud) {
    this.next = next;
    this.crud = crud;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    if (outage && !isAdmin(request)) {
      return status(HttpURLConnection.HTTP_UNAVAILABLE, "ServiceUnavailable",
          "the server is currently unable to handle the request");
    }
    if (!forbidden.isEmpty() && !isAdmin(request) && forbidden.contains(resourceOf(request.getPath()))) {
      return status(HttpURLConnection.HTTP_FORBIDDEN, "Forbidden", "the client may not access " + resourceOf(request.getPath()));
    }
    boolean watch = "GET".equalsIgnoreCase(request.getMethod()) && isWatch(request);
    if (watch) {
      MockResponse ended = endedWatch(request);
      if (ended != null) {
        return ended;
      }
    }
    MockResponse response = next.dispatch(request);
    if (watch && response.getWebSocketListener() != null) {
      return response.withWebSocketUpgrade(new TrackedWatch(response.getWebSocketListener()));
    }
    if ("DELETE".equalsIgnoreCase(request.getMethod())
        && response.code() == HttpURLConnection.HTTP_OK) {
      crud.requestResourceVersion();
    }
    return response;
  }

  /** Watches open right now (a watch counts once the server has accepted its connection). */
  int openWatchCount() {
    return openWatches.size();
  }

  /** Answers 403 to every non-administrator request for {@code resource} (e.g. {@code secrets}, {@code widgets.example.com}). */
  void forbid(String resource) {
    forbidden.add(resource);
  }

  void allow(String resource) {
    forbidden.remove(resource);
  }

  /**
   * The resource a path addresses, as kubectl names it: {@code /api/v1/namespaces/x/secrets/y} is
   * {@code secrets}, {@code /apis/apps/v1/deployments} is {@code deployments.apps}.
   */
  static String resourceOf(String path) {
    String p = path == null ? "" : path;
    int query = p.indexOf('?');
    if (query >= 0) {
      p = p.substring(0, query);
    }
    String[] parts = p.split("/");
    int start;
    String group;
    if (parts.length > 3 && parts[1].equals("api")) {
      group = "";
      start = 3;
    } else if (parts.length > 4 && parts[1].equals("apis")) {
      group = parts[2];
      start = 4;
    } else {
      return "";
    }
    if (parts.length > start + 2 && parts[start].equals("namespaces")) {
      start += 2;
    }
    if (parts.length <= start) {
      return "";
    }
    return group.isEmpty() ? parts[start] : parts[start] + "." + group;
  }

  @Override
  public void shutdown() {
    next.shutdown();
  }

  /** The answer to a watch that ends as soon as it starts, or null if it may go on. */
  private MockResponse endedWatch(RecordedRequest request) {
    long from = resourceVersion(request);
    long newest = expiredBelow.get();
    boolean stale = from > 0 && from < newest;
    if (!"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
      return endedAtOnce(stale ? expiredEvent(from, newest) : errorEvent(WEBSOCKETS_ONLY));
    }
    if (stale) {
      log.debug("Expiring watch {} (newest resourceVersion {})", request.getPath(), newest);
      return new MockResponse().withWebSocketUpgrade(new ExpiredWatch(expiredEvent(from, newest)));
    }
    return null;
  }

  /** Sends every open watch an {@code ERROR} event with status 410 Expired, then closes it. */
  void expireWatches() {
    long newest = raiseExpiry();
    for (WebSocket socket : openWatches) {
      socket.send(expiredEvent(resourceVersion(socket.request()), newest));
      socket.close(CLOSE_NORMAL, "");
    }
  }

  /** From now on, only administrator requests are served; open watches are closed. */
  void beginOutage() {
    outage = true;
    for (WebSocket socket : openWatches) {
      socket.close(CLOSE_GOING_AWAY, "");
    }
  }

  /** Serves everyone again; watches from before the newest resourceVersion now are expired. */
  void endOutage() {
    raiseExpiry();
    outage = false;
  }

  private long raiseExpiry() {
    long newest = newestResourceVersion();
    return expiredBelow.accumulateAndGet(newest, Math::max);
  }

  /** The store's newest resourceVersion: the one a list reports. */
  private long newestResourceVersion() {
    MockResponse list = crud.handleGet("/api/v1/namespaces");
    try {
      JsonNode body = JSON.readTree(list.getBody().readUtf8());
      return number(body.path("metadata").path("resourceVersion").asText());
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read the newest resourceVersion", e);
    }
  }

  private static boolean isAdmin(RecordedRequest request) {
    return "true".equalsIgnoreCase(request.getHeader(ADMIN_HEADER));
  }

  private static boolean isWatch(RecordedRequest request) {
    String watch = query(request.getPath()).get("watch");
    return "true".equalsIgnoreCase(watch) || "1".equals(watch);
  }

  /** The resourceVersion a watch starts from; 0 if it names none. */
  private static long resourceVersion(RecordedRequest request) {
    return number(query(request.getPath()).get("resourceVersion"));
  }

  /** A resourceVersion as a number; 0 when absent or not a number (the CRUD mock's are numbers). */
  private static long number(String value) {
    if (value == null || value.isEmpty()) {
      return 0;
    }
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The query parameters of a request path; a malformed one is left out. */
  private static Map<String, String> query(String path) {
    Map<String, String> parameters = new HashMap<>();
    int start = path.indexOf('?');
    if (start < 0) {
      return parameters;
    }
    for (String pair : path.substring(start + 1).split("&")) {
      int equals = pair.indexOf('=');
      String name = equals < 0 ? pair : pair.substring(0, equals);
      String value = equals < 0 ? "" : pair.substring(equals + 1);
      try {
        parameters.put(
            URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        log.debug("Ignoring malformed query parameter {} in {}", pair, path);
      }
    }
    return parameters;
  }

  /** A plain HTTP watch stream that carries one event and ends. */
  private static MockResponse endedAtOnce(String event) {
    return new MockResponse()
        .setResponseCode(HttpURLConnection.HTTP_OK)
        .setHeader("Content-Type", "application/json")
        .setBody(event + "\n");
  }

  private static String expiredEvent(long from, long newest) {
    return errorEvent("too old resource version: " + from + " (" + newest + ")");
  }

  /** A watch {@code ERROR} event whose object is a 410 Expired status, as the API server sends. */
  private static String errorEvent(String message) {
    ObjectNode event = JSON.createObjectNode().put("type", "ERROR");
    event.set("object", statusNode(HttpURLConnection.HTTP_GONE, "Expired", message));
    return event.toString();
  }

  private static MockResponse status(int code, String reason, String message) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(statusNode(code, reason, message).toString());
  }

  private static ObjectNode statusNode(int code, String reason, String message) {
    ObjectNode status = JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1");
    status.putObject("metadata");
    return status
        .put("status", "Failure")
        .put("message", message)
        .put("reason", reason)
        .put("code", code);
  }

  /** Passes everything to the CRUD mock's watch and remembers the socket while it is open. */
  private final class TrackedWatch extends WebSocketListener {
    private final WebSocketListener delegate;

    TrackedWatch(WebSocketListener delegate) {
      this.delegate = delegate;
    }

    @Override
    public void onBeforeAccept(WebSocket socket, Response response) {
      delegate.onBeforeAccept(socket, response);
    }

    @Override
    public void onOpen(WebSocket socket, Response response) {
      openWatches.add(socket);
      delegate.onOpen(socket, response);
      if (outage && !isAdmin(socket.request())) {
        socket.close(CLOSE_GOING_AWAY, "");
      }
    }

    @Override
    public void onMessage(WebSocket socket, String text) {
      delegate.onMessage(socket, text);
    }

    @Override
    public void onMessage(WebSocket socket, byte[] bytes) {
      delegate.onMessage(socket, bytes);
    }

    @Override
    public void onClosing(WebSocket socket, int code, String reason) {
      delegate.onClosing(socket, code, reason);
    }

    @Override
    public void onClosed(WebSocket socket, int code, String reason) {
      openWatches.remove(socket);
      delegate.onClosed(socket, code, reason);
    }

    @Override
    public void onFailure(WebSocket socket, Throwable failure, Response response) {
      openWatches.remove(socket);
      delegate.onFailure(socket, failure, response);
    }
  }

  /** A watch that is over as soon as it opens: one {@code ERROR} event, then close. */
  private static final class ExpiredWatch extends WebSocketListener {
    private final String event;

    ExpiredWatch(String event) {
      this.event = event;
    }

    @Override
    public void onOpen(WebSocket socket, Response response) {
      socket.send(event);
      socket.close(CLOSE_NORMAL, "");
    }
  }
}
