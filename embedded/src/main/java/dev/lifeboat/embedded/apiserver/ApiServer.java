package dev.lifeboat.embedded.apiserver;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kubernetes API server over plain HTTP on Vert.x, keeping its objects in a {@link
 * RegistryStore}: discovery, create, get, list, update, patch, delete and watch (over websockets and
 * chunked HTTP) of the built-in kinds and of custom resources, with a real server's status codes
 * and {@code Status} bodies. Requests are read on Vert.x's event loop and handled on worker
 * threads, since the store blocks; every request gets an answer, an error one if need be.
 */
public final class ApiServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
  private final java.util.Queue<ApiCall> calls = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile boolean recording;
  private static final List<String> WEBSOCKET_PROTOCOLS =
      List.of("v1.channel.k8s.io", "v2.channel.k8s.io", "v3.channel.k8s.io", "v4.channel.k8s.io", ExecSession.V5);

  private final RegistryStore store;
  private final ResourceCatalog catalog = new ResourceCatalog();
  private final ObjectRegistry registry;
  private final WatchCache cache;
  private final Faults faults;
  private final Watches watches;
  private final ObjectReads reads;
  private final ObjectWrites writes;
  private final Discovery discovery;
  private final PodExec execs;
  private final AtomicInteger execThreads = new AtomicInteger();
  private final ExecutorService workers;
  private final Vertx vertx;
  private volatile int port;
  private HttpServer server;

  private ApiServer(RegistryStore store) {
    this.store = store;
    this.registry = new ObjectRegistry(store);
    this.cache = new WatchCache(store);
    this.faults = new Faults(store::revision);
    this.watches = new Watches(registry, cache, faults);
    Admission admission = new Admission(Clock.systemUTC());
    this.reads = new ObjectReads(registry);
    this.writes = new ObjectWrites(registry, catalog, admission,
        new NamespaceLifecycle(registry, catalog, admission));
    this.discovery = new Discovery(catalog, () -> port);
    this.execs = new PodExec(registry);
    AtomicInteger threads = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "lifeboat-apiserver-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
        .setInternalBlockingPoolSize(1));
  }

  /**
   * Serves the objects in {@code store} on {@code host:port} (port 0 for any free one). The store
   * stays the caller's to close.
   */
  public static ApiServer start(String host, int port, RegistryStore store) {
    ApiServer api = new ApiServer(store);
    try {
      api.loadDefinitions();
      api.cache.start();
      api.listen(host, port);
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    return api;
  }

  public int port() {
    return port;
  }

  /** How often a watch that allows bookmarks gets one (a minute by default, as a real API server). */
  public void bookmarkEvery(java.time.Duration every) {
    watches.bookmarkEvery(every);
  }

  /** The faults tests inject into this server. */
  public Faults faults() {
    return faults;
  }

  /**
   * What runs the commands of pod execs from now on (null: none, and execs are refused as by a
   * cluster whose kubelet cannot be reached).
   */
  public void onExec(ExecHandler handler) {
    execs.handler(handler);
  }

  /** Where the objects are kept, for logs. */
  public String storage() {
    return store.describe();
  }

  private void loadDefinitions() {
    ApiResourceType crds = ResourceCatalog.CRDS;
    ObjectRegistry.Listed stored = registry.list(crds, crds.registryPrefix(), Selector.ALL, 0, null);
    stored.items().forEach(catalog::define);
  }

  private void listen(String host, int requestedPort) {
    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(requestedPort)
        .setHttp2ClearTextEnabled(false).setWebSocketSubProtocols(WEBSOCKET_PROTOCOLS)
        .setHandle100ContinueAutomatically(true).setMaxWebSocketMessageSize(64 << 20)
        .setMaxWebSocketFrameSize(64 << 20);
    server = vertx.createHttpServer(options).requestHandler(this::handle);
    this.port = await(server.listen(), "listen on " + host + ":" + requestedPort).actualPort();
  }

  private void handle(HttpServerRequest request) {
    Context context = vertx.getOrCreateContext();
    ApiRequest head;
    try {
      head = ApiRequest.of(request.method().name(), request.uri(), headers(request), null);
    } catch (ApiException e) {
      send(request, Reply.of(e));
      return;
    }
    record(head);
    if (head.isWatch()) {
      watch(request, head, context);
      return;
    }
    if ("GET".equals(head.method()) && head.isWebSocketUpgrade()) {
      Optional<ResourcePath> exec = execPath(head);
      if (exec.isPresent()) {
        exec(request, head, exec.get(), context);
        return;
      }
    }
    request.body().onComplete(body -> {
      if (body.failed()) {
        send(request, Reply.of(ApiException.badRequest("cannot read the request body: " + body.cause())));
        return;
      }
      ApiRequest full = new ApiRequest(head.method(), head.path(), head.query(), head.headers(),
          body.result() == null ? null : body.result().getBytes());
      execute(request, () -> {
        Reply reply = route(full);
        log.debug("{} {} -> {}", full.method(), request.uri(), reply.code());
        context.runOnContext(v -> send(request, reply));
      });
    });
  }

  /**
   * Starts keeping every request for a resource (whoever made it, answered or refused) for {@link
   * #calls}; off by default, so a long-running demo does not keep them all.
   */
  public void recordCalls() {
    recording = true;
  }

  /** The requests for resources made since {@link #recordCalls}, in the order they arrived. */
  public List<ApiCall> calls() {
    return List.copyOf(calls);
  }

  private void record(ApiRequest head) {
    if (!recording) {
      return;
    }
    try {
      ResourcePath.parse(head.segments(), catalog).flatMap(path -> ApiCall.of(head, path)).ifPresent(calls::add);
    } catch (ApiException e) {
      // a resource the server does not serve: nothing RBAC would be asked about
    }
  }

  private void watch(HttpServerRequest request, ApiRequest head, Context context) {
    ResourcePath path;
    try {
      ApiException refusal = faults.refusal(head);
      if (refusal != null) {
        throw refusal;
      }
      path = ResourcePath.parse(head.segments(), catalog).orElseThrow(ApiException::noResource);
    } catch (ApiException e) {
      send(request, Reply.of(e));
      return;
    }
    log.debug("WATCH {} ({})", request.uri(), head.isWebSocketUpgrade() ? "websocket" : "http");
    if (head.isWebSocketUpgrade()) {
      request.toWebSocket()
          .onSuccess(socket -> execute(request, () -> startWatch(path, head, new WebSocketSink(socket, context))))
          .onFailure(e -> log.debug("Websocket upgrade of {} failed: {}", request.uri(), e.toString()));
    } else {
      HttpServerResponse response = request.response();
      response.setChunked(true).setStatusCode(200).putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "no-cache, private");
      response.writeHead();
      HttpStreamSink sink = new HttpStreamSink(response, context);
      execute(request, () -> startWatch(path, head, sink));
    }
  }

  private Optional<ResourcePath> execPath(ApiRequest head) {
    try {
      return ResourcePath.parse(head.segments(), catalog).filter(PodExec::isExec);
    } catch (ApiException e) {
      return Optional.empty();
    }
  }

  /** Checks the exec on a worker thread, then upgrades the connection and runs the command. */
  private void exec(HttpServerRequest request, ApiRequest head, ResourcePath path, Context context) {
    Map<String, List<String>> query = new HashMap<>();
    request.params().forEach(e -> query.computeIfAbsent(e.getKey(), k -> new java.util.ArrayList<>()).add(e.getValue()));
    request.pause();
    execute(request, () -> {
      PodExec.Target target;
      try {
        ApiException refusal = faults.refusal(head);
        if (refusal != null) {
          throw refusal;
        }
        target = execs.check(path, query);
      } catch (ApiException e) {
        context.runOnContext(v -> send(request, Reply.of(e)));
        return;
      } catch (RuntimeException e) {
        log.warn("Exec {} failed", request.uri(), e);
        context.runOnContext(v -> send(request, Reply.of(ApiException.internal(String.valueOf(e.getMessage())))));
        return;
      }
      context.runOnContext(v -> request.toWebSocket()
          .onSuccess(socket -> new ExecSession(socket, context, target)
              .start("lifeboat-exec-" + execThreads.incrementAndGet()))
          .onFailure(e -> log.debug("Websocket upgrade of {} failed: {}", request.uri(), e.toString())));
    });
  }

  private void startWatch(ResourcePath path, ApiRequest request, WatchSink sink) {
    try {
      watches.start(path, request, sink);
    } catch (ApiException e) {
      sink.send(ApiWatch.event("ERROR", e.status()));
      sink.close();
    } catch (RuntimeException e) {
      log.warn("Watch {} failed", request.path(), e);
      sink.send(ApiWatch.event("ERROR", ApiException.internal(String.valueOf(e.getMessage())).status()));
      sink.close();
    }
  }

  /** The answer to one request that is not a watch. */
  Reply route(ApiRequest request) {
    try {
      ApiException refusal = faults.refusal(request);
      if (refusal != null) {
        return Reply.of(refusal);
      }
      String[] segments = request.segments();
      if ("GET".equals(request.method())) {
        Optional<Reply> answer = discovery.answer(segments);
        if (answer.isPresent()) {
          return answer.get();
        }
      }
      ResourcePath path = ResourcePath.parse(segments, catalog).orElseThrow(ApiException::noResource);
      if (PodExec.isExec(path)) {
        // a real server upgrades GET (websocket) and POST (SPDY); this one speaks websockets only
        throw "GET".equals(request.method()) || "POST".equals(request.method())
            ? ApiException.badRequest("Upgrade request required")
            : ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
      }
      switch (request.method()) {
        case "GET":
          return Reply.json(200, path.isCollection() ? reads.list(path, request) : reads.get(path));
        case "POST":
          return Reply.json(201, writes.create(path, request));
        case "PUT":
          return Reply.json(200, writes.update(path, request));
        case "PATCH":
          return Reply.json(200, writes.patch(path, request));
        case "DELETE":
          return Reply.json(200, path.isCollection() ? writes.deleteCollection(path, request)
              : writes.delete(path, request));
        default:
          throw ApiException.methodNotAllowed("the server does not allow this method on the requested resource");
      }
    } catch (ApiException e) {
      return Reply.of(e);
    } catch (StoreUnavailableException e) {
      log.warn("{} {} failed: {}", request.method(), request.path(), e.getMessage());
      return Reply.of(ApiException.internal(e.getMessage()));
    } catch (RuntimeException e) {
      log.error("{} {} failed", request.method(), request.path(), e);
      return Reply.of(ApiException.internal("an error on the server (" + e + ") has prevented the request from succeeding"));
    }
  }

  private void execute(HttpServerRequest request, Runnable task) {
    try {
      workers.execute(task);
    } catch (RejectedExecutionException e) {
      send(request, Reply.of(ApiException.unavailable("the server is shutting down")));
    }
  }

  private static void send(HttpServerRequest request, Reply reply) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    response.setStatusCode(reply.code()).putHeader("Content-Type", reply.contentType())
        .putHeader("Cache-Control", "no-cache, private").end(Buffer.buffer(reply.body()));
  }

  private static Map<String, String> headers(HttpServerRequest request) {
    Map<String, String> headers = new HashMap<>();
    request.headers().forEach(e -> headers.putIfAbsent(e.getKey(), e.getValue()));
    return headers;
  }

  /** Closes open watches, stops listening and frees the threads; the store stays open. */
  @Override
  public void close() {
    watches.close();
    cache.close();
    if (server != null) {
      try {
        await(server.close(), "close the HTTP server");
      } catch (RuntimeException e) {
        log.warn("Closing the API server on port {}: {}", port, e.toString());
      }
    }
    workers.shutdownNow();
    try {
      await(vertx.close(), "close Vert.x");
    } catch (RuntimeException e) {
      log.warn("Closing Vert.x of the API server on port {}: {}", port, e.toString());
    }
  }

  private static <T> T await(Future<T> future, String what) {
    CompletableFuture<T> result = new CompletableFuture<>();
    future.onComplete(r -> {
      if (r.succeeded()) {
        result.complete(r.result());
      } else {
        result.completeExceptionally(r.cause());
      }
    });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: cannot " + what, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot " + what + ": " + e.getMessage(), e);
    }
  }
}
