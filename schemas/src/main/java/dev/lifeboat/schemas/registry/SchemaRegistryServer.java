package dev.lifeboat.schemas.registry;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable schema registry that speaks Confluent's REST API, so any Confluent-compatible
 * client can use it, and keeps its schemas in a compacted Kafka topic, so ids survive restarts and
 * any number of instances on one topic agree on them. See DESIGN.md beside this class.
 *
 * <pre>
 * try (SchemaRegistryServer registry = SchemaRegistryServer.start(Config.of("kafka:9092").withPort(8081))) {
 *   SchemaRegistry client = new HttpSchemaRegistryClient(registry.url());
 * }
 * </pre>
 */
public final class SchemaRegistryServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SchemaRegistryServer.class);
  private static final int HTTP_THREADS = 8;
  private static final String NO_DELAY_PROPERTY = "sun.net.httpserver.nodelay";

  static {
    // The JDK's server writes a response's headers and body separately; with Nagle's algorithm
    // on, the body then waits for the client's delayed ACK and every answer takes 40 ms longer.
    // The JDK reads this once, when its first server starts; an explicit setting is kept.
    if (System.getProperty(NO_DELAY_PROPERTY) == null) {
      System.setProperty(NO_DELAY_PROPERTY, "true");
    }
  }

  /**
   * Where the registry listens and keeps its schemas.
   *
   * @param bootstrapServers the Kafka cluster holding the topic; required
   * @param host the address to listen on; default {@value #DEFAULT_HOST}
   * @param port the port to listen on, 0 for any free port; default 0
   * @param topic the single-partition compacted topic holding the schemas, created if missing;
   *     default {@value #DEFAULT_TOPIC}
   * @param timeout how long to wait for Kafka before answering 50002; default 10 s
   * @param tls the server's TLS context (its certificate and key): HTTPS when set, plain HTTP when null
   * @param usersFile {@code user:password} lines; when set, every request needs HTTP basic auth with
   *     one of them (401 otherwise); null: no authentication
   */
  public record Config(String bootstrapServers, String host, int port, String topic, Duration timeout, SSLContext tls,
      Path usersFile) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_TOPIC = "_schemas";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public Config {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException("bootstrapServers is required (host:port of a Kafka broker)");
      }
      host = host == null || host.isBlank() ? DEFAULT_HOST : host;
      topic = topic == null || topic.isBlank() ? DEFAULT_TOPIC : topic;
      timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port " + port + " is invalid: use 1-65535, or 0 for a free port");
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout " + timeout + " is invalid: it must be positive");
      }
    }

    /** Plain HTTP, no authentication. */
    public Config(String bootstrapServers, String host, int port, String topic, Duration timeout) {
      this(bootstrapServers, host, port, topic, timeout, null, null);
    }

    /** Defaults for everything but the Kafka cluster. */
    public static Config of(String bootstrapServers) {
      return new Config(bootstrapServers, null, 0, null, null);
    }

    public Config withHost(String host) {
      return new Config(bootstrapServers, host, port, topic, timeout, tls, usersFile);
    }

    public Config withPort(int port) {
      return new Config(bootstrapServers, host, port, topic, timeout, tls, usersFile);
    }

    public Config withTopic(String topic) {
      return new Config(bootstrapServers, host, port, topic, timeout, tls, usersFile);
    }

    public Config withTimeout(Duration timeout) {
      return new Config(bootstrapServers, host, port, topic, timeout, tls, usersFile);
    }

    /** HTTPS with this context's certificate and key. */
    public Config withTls(SSLContext tls) {
      return new Config(bootstrapServers, host, port, topic, timeout, tls, usersFile);
    }

    /** HTTP basic auth against the {@code user:password} lines of this file, read again when it changes. */
    public Config withUsersFile(Path usersFile) {
      return new Config(bootstrapServers, host, port, topic, timeout, tls, usersFile);
    }
  }

  private final KafkaRegistryLog registryLog;
  private final HttpServer http;
  private final ExecutorService executor;
  private final RegistryHttpHandler handler;
  private final String url;
  private final AtomicBoolean closed = new AtomicBoolean();

  private SchemaRegistryServer(KafkaRegistryLog registryLog, HttpServer http, ExecutorService executor,
      RegistryHttpHandler handler, String scheme) {
    this.registryLog = registryLog;
    this.http = http;
    this.executor = executor;
    this.handler = handler;
    InetSocketAddress address = http.getAddress();
    String host = address.getHostString().contains(":") ? "[" + address.getHostString() + "]" : address.getHostString();
    this.url = scheme + "://" + host + ":" + address.getPort();
  }

  /**
   * Reads the whole topic (creating it if missing), then starts answering HTTP requests.
   *
   * @throws IllegalStateException if Kafka cannot be reached within the timeout, the topic is not
   *     usable, or the port cannot be bound
   */
  public static SchemaRegistryServer start(Config config) {
    long started = System.nanoTime();
    RegistryState state = new RegistryState();
    KafkaRegistryLog registryLog;
    try {
      registryLog = KafkaRegistryLog.open(config.bootstrapServers(), config.topic(), config.timeout(), state);
    } catch (RegistryException e) {
      throw new IllegalStateException("Schema registry cannot read topic '" + config.topic() + "' at "
          + config.bootstrapServers() + ": " + e.errorMessage(), e);
    } catch (KafkaException e) {
      throw new IllegalStateException("Schema registry cannot use Kafka at " + config.bootstrapServers()
          + " (bootstrapServers): " + e.getMessage(), e);
    }
    RegistryHttpHandler handler = new RegistryHttpHandler(new RegistryRoutes(new RegistryService(registryLog, state)));
    RegistryUsers users;
    try {
      users = config.usersFile() == null ? null : new RegistryUsers(config.usersFile());
    } catch (IllegalArgumentException e) {
      registryLog.close();
      throw new IllegalStateException("Schema registry cannot authenticate its users: " + e.getMessage(), e);
    }
    HttpServer http;
    try {
      InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
      if (config.tls() == null) {
        http = HttpServer.create(address, 0);
      } else {
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(config.tls()));
        http = https;
      }
    } catch (IOException e) {
      registryLog.close();
      throw new IllegalStateException("Schema registry cannot listen on " + config.host() + ":"
          + config.port() + ": " + e.getMessage(), e);
    }
    ExecutorService executor = Executors.newFixedThreadPool(HTTP_THREADS,
        new RequestThreads(http.getAddress().getPort()));
    HttpContext context = http.createContext("/", handler);
    if (users != null) {
      context.setAuthenticator(users); // every path: the server has no unauthenticated endpoint
    }
    http.setExecutor(executor);
    http.start();
    SchemaRegistryServer server = new SchemaRegistryServer(registryLog, http, executor, handler,
        config.tls() == null ? "http" : "https");
    log.info("Schema registry listening on {} (topic '{}' at {}, {}, {} subjects, ready in {} ms)", server.url,
        config.topic(), config.bootstrapServers(), users == null ? "no authentication" : "basic auth from " + config.usersFile(),
        state.subjects(true).size(), Duration.ofNanos(System.nanoTime() - started).toMillis());
    return server;
  }

  /** The base URL clients use, e.g. {@code http://127.0.0.1:8081}. */
  public String url() {
    return url;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  /** How many HTTP requests this instance has received. */
  public long requestCount() {
    return handler.requestCount();
  }

  /** Stops answering, frees the port and stops reading the topic. Safe to call more than once. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    http.stop(0);
    executor.shutdownNow();
    registryLog.close();
    log.info("Schema registry on {} stopped", url);
  }

  /** Names the request threads after the server, as daemons so they never keep a JVM alive. */
  private static final class RequestThreads implements java.util.concurrent.ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();
    private final int port;

    RequestThreads(int port) {
      this.port = port;
    }

    @Override
    public Thread newThread(Runnable runnable) {
      Thread thread = new Thread(runnable, "schema-registry-http-" + port + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }
}
