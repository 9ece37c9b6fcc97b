package io.quiver.server.monitoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's monitoring port: plain HTTP on the JDK's {@link HttpServer} (no second Netty next to
 * gRPC's), serving
 *
 * <ul>
 *   <li>{@code GET /metrics}: the node's registry in the Prometheus text format (or OpenMetrics or
 *       protobuf when the scraper asks for it);
 *   <li>{@code GET /health}: {@code 200 ok} while the process serves (liveness);
 *   <li>{@code GET /ready}: {@code 200 ready} when {@link Readiness} says so, otherwise {@code 503}
 *       with the reason in the body (readiness, e.g. for a load balancer or Kubernetes);
 *   <li>with a {@link StatusPage}: {@code GET /}, the status page (HTML), and {@code GET
 *       /status.json}, its data.
 * </ul>
 *
 * {@code HEAD} works like {@code GET}; any other method is {@code 405}, any other path {@code 404}.
 *
 * <p>Security: {@code /metrics}, {@code /health} and {@code /ready} are unauthenticated and serve
 * no data and no secrets: counters, sizes and names an operator chose (mount paths), never file
 * names, credentials or mount options. Whoever can reach them learns the node's load; bind the port
 * like the Flight port or turn it off. The status page shows more (table names, store URIs, masked
 * mount options, error messages), so every request for it is first checked by the {@link
 * PageAccess} given: on a node with users or tokens, only an admin may see it (HTTP Basic
 * credentials or an API token as a Bearer token, checked by the node's authenticator; {@code 401}
 * with a {@code WWW-Authenticate} challenge otherwise, {@code 403} for a non-admin). Its responses
 * forbid caching, framing and any resource but the page's own inline style and script (a {@code
 * Content-Security-Policy} with a fresh nonce per response).
 *
 * <p>Thread-safety: requests are served by two daemon threads; {@link #close()} stops listening,
 * ends those threads, closes the status page and may be called from any thread, more than once.
 */
public final class MonitoringServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MonitoringServer.class);
  private static final AtomicInteger SERVERS = new AtomicInteger();

  /** Whether the node is ready to serve; called on every {@code /ready}, from an HTTP thread. */
  @FunctionalInterface
  public interface Readiness {
    /** Null when ready; otherwise a short reason, shown to the caller. Must not block long. */
    String notReadyReason();
  }

  /**
   * Who may see the status page: called on every request of {@code /} and {@code /status.json},
   * from an HTTP thread.
   */
  @FunctionalInterface
  public interface PageAccess {
    /**
     * Null when a request with this {@code Authorization} header (null: none) may see the page;
     * otherwise why not.
     */
    Refusal check(String authorization);
  }

  /**
   * A refused request.
   *
   * @param status {@code 401} (no or wrong credentials: the response asks for them), {@code 403}
   *     (not an admin), {@code 503} (the node cannot check credentials right now)
   * @param message the response body: says what to send, never why a password was wrong
   */
  public record Refusal(int status, String message) {
    public Refusal {
      if (status != 401 && status != 403 && status != 503) {
        throw new IllegalArgumentException("a refusal is 401, 403 or 503, not " + status);
      }
      Objects.requireNonNull(message, "message");
    }
  }

  /** Lets everyone see the status page: for nodes without users or tokens (loopback only). */
  public static final PageAccess OPEN = authorization -> null;

  private static final SecureRandom NONCES = new SecureRandom();

  private final HttpServer server;
  private final ExecutorService threads;
  private final Daemons threadFactory;
  private final MetricsHandler metrics;
  private final Readiness readiness;
  private final StatusPage page;
  private final PageAccess pageAccess;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private MonitoringServer(
      HttpServer server,
      ExecutorService threads,
      Daemons threadFactory,
      PrometheusRegistry registry,
      Readiness ready,
      StatusPage page,
      PageAccess pageAccess) {
    this.server = server;
    this.threads = threads;
    this.threadFactory = threadFactory;
    this.metrics = new MetricsHandler(registry);
    this.readiness = ready;
    this.page = page;
    this.pageAccess = pageAccess;
  }

  /**
   * Listens on {@code address} (port 0: a free one) and serves {@code registry} and {@code
   * readiness}.
   *
   * @throws IOException if the address cannot be bound (a {@link java.net.BindException} cause when
   *     the port is taken)
   */
  public static MonitoringServer start(
      InetSocketAddress address, PrometheusRegistry registry, Readiness readiness)
      throws IOException {
    return start(address, registry, readiness, null, OPEN);
  }

  /**
   * Like {@link #start(InetSocketAddress, PrometheusRegistry, Readiness)}, also serving {@code
   * page} (null: none) to the requests {@code access} lets through. The server owns the page: it is
   * closed with the server, or at once if the server cannot start.
   *
   * @throws IOException if the address cannot be bound
   */
  public static MonitoringServer start(
      InetSocketAddress address,
      PrometheusRegistry registry,
      Readiness readiness,
      StatusPage page,
      PageAccess access)
      throws IOException {
    try {
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(readiness, "readiness");
      Objects.requireNonNull(access, "access");
      return listen(address, registry, readiness, page, access);
    } catch (IOException | RuntimeException e) {
      if (page != null) {
        page.close();
      }
      throw e;
    }
  }

  private static MonitoringServer listen(
      InetSocketAddress address,
      PrometheusRegistry registry,
      Readiness readiness,
      StatusPage page,
      PageAccess access)
      throws IOException {
    HttpServer http;
    try {
      http = HttpServer.create(address, 16);
    } catch (IOException e) {
      throw new IOException(
          "cannot listen on HTTP port "
              + address.getPort()
              + ": "
              + e.getMessage()
              + " (another node there? --http-port chooses another, 0 turns it off)",
          e);
    }
    Daemons daemons = new Daemons();
    ExecutorService threads = Executors.newFixedThreadPool(2, daemons);
    MonitoringServer s =
        new MonitoringServer(http, threads, daemons, registry, readiness, page, access);
    http.createContext("/", s::handle);
    http.setExecutor(threads);
    http.start();
    return s;
  }

  /** The port it listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try {
      String path = exchange.getRequestURI().getPath();
      boolean pagePath = page != null && ("/".equals(path) || "/status.json".equals(path));
      boolean known =
          pagePath || "/metrics".equals(path) || "/health".equals(path) || "/ready".equals(path);
      String method = exchange.getRequestMethod();
      if (!known) {
        respond(
            exchange,
            404,
            page == null
                ? "not found: try /metrics, /health or /ready\n"
                : "not found: try /, /metrics, /health or /ready\n");
      } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "method not allowed\n");
      } else if (pagePath) {
        servePage(exchange, path);
      } else if ("/metrics".equals(path)) {
        metrics.handle(exchange);
      } else if ("/health".equals(path)) {
        respond(exchange, 200, "ok\n");
      } else {
        String reason = notReadyReason();
        respond(exchange, reason == null ? 200 : 503, reason == null ? "ready\n" : reason + "\n");
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("Monitoring request failed", e);
      throw e;
    } finally {
      exchange.close();
    }
  }

  private void servePage(HttpExchange exchange, String path) throws IOException {
    String host = exchange.getRequestHeaders().getFirst("Host");
    if (pageAccess == OPEN && !isOwnHost(host)) {
      // An open page is readable by any web page a local browser visits if that page's name is
      // made to resolve here (DNS rebinding): such requests carry the attacker's host name.
      respond(
          exchange,
          403,
          "The status page answers only to an IP address, localhost or the node's host name (got"
              + " Host: "
              + host
              + "); without users or tokens it is open, so it refuses other names\n");
      return;
    }
    Refusal refusal;
    try {
      refusal = pageAccess.check(exchange.getRequestHeaders().getFirst("Authorization"));
    } catch (RuntimeException e) {
      LOG.warn("Status page access check failed", e);
      refusal = new Refusal(503, "cannot check credentials right now; retry shortly");
    }
    if (refusal != null) {
      if (refusal.status() == 401) {
        exchange
            .getResponseHeaders()
            .set("WWW-Authenticate", "Basic realm=\"Quiver status\", charset=\"UTF-8\"");
      } else if (refusal.status() == 503) {
        exchange.getResponseHeaders().set("Retry-After", "5");
      }
      respond(exchange, refusal.status(), refusal.message() + "\n");
      return;
    }
    var headers = exchange.getResponseHeaders();
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("X-Frame-Options", "DENY");
    headers.set("Referrer-Policy", "no-referrer");
    if ("/status.json".equals(path)) {
      respond(exchange, 200, "application/json", page.json());
      return;
    }
    byte[] n = new byte[18];
    NONCES.nextBytes(n);
    String nonce = Base64.getEncoder().encodeToString(n);
    headers.set(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'nonce-"
            + nonce
            + "'; style-src 'nonce-"
            + nonce
            + "'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none';"
            + " frame-ancestors 'none'");
    respond(exchange, 200, "text/html", page.html(nonce));
  }

  /** Whether a Host header names this server: an IP literal, localhost or the bound host name. */
  private boolean isOwnHost(String header) {
    if (header == null || header.isEmpty()) {
      return true; // HTTP/1.0 without a Host: not a browser that a rebinding could drive
    }
    String h = header.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      return true; // an IPv6 literal
    }
    int colon = h.lastIndexOf(':');
    String name = colon < 0 ? h : h.substring(0, colon);
    return name.equals("localhost")
        || name.matches("\\d{1,3}(\\.\\d{1,3}){3}")
        || name.equals(server.getAddress().getHostString().toLowerCase(Locale.ROOT));
  }

  private String notReadyReason() {
    try {
      return readiness.notReadyReason();
    } catch (RuntimeException e) {
      LOG.warn("Readiness check failed", e);
      return "readiness check failed: " + e;
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    respond(exchange, status, "text/plain", body);
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    if ("HEAD".equals(exchange.getRequestMethod())) {
      exchange.sendResponseHeaders(status, -1);
      return;
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /**
   * Stops listening, ends the request threads (a request being served gets a moment) and closes the
   * status page.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    if (page != null) {
      page.close();
    }
    threads.shutdown();
    try {
      if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
        threads.shutdownNow();
        LOG.warn("Monitoring requests still running 5 s after the HTTP port closed");
      } else {
        threadFactory.join(); // a terminated pool's threads may still be finishing their frames
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /** Names the request threads so that thread dumps show what they are. */
  private static final class Daemons implements ThreadFactory {
    private final int server = SERVERS.incrementAndGet();
    private final AtomicInteger next = new AtomicInteger();
    private final java.util.List<Thread> made = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public Thread newThread(Runnable r) {
      Thread t = new Thread(r, "quiver-http-" + server + "-" + next.incrementAndGet());
      t.setDaemon(true);
      made.add(t);
      return t;
    }

    /** Waits (up to a second each) until every thread made has ended. */
    void join() throws InterruptedException {
      for (Thread t : made) {
        t.join(1_000);
      }
    }
  }
}
