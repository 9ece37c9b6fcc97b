package io.quiver.server.monitoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 *       with the reason in the body (readiness, e.g. for a load balancer or Kubernetes).
 * </ul>
 *
 * {@code HEAD} works like {@code GET}; any other method is {@code 405}, any other path {@code 404}.
 *
 * <p>Security: the port is unauthenticated and serves no data and no secrets: counters, sizes and
 * names an operator chose (mount paths), never file names, credentials or mount options. Whoever
 * can reach it learns the node's load; bind it like the Flight port or turn it off.
 *
 * <p>Thread-safety: requests are served by two daemon threads; {@link #close()} stops listening,
 * ends those threads and may be called from any thread, more than once.
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

  private final HttpServer server;
  private final ExecutorService threads;
  private final Daemons threadFactory;
  private final MetricsHandler metrics;
  private final Readiness readiness;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private MonitoringServer(
      HttpServer server,
      ExecutorService threads,
      Daemons threadFactory,
      PrometheusRegistry registry,
      Readiness ready) {
    this.server = server;
    this.threads = threads;
    this.threadFactory = threadFactory;
    this.metrics = new MetricsHandler(registry);
    this.readiness = ready;
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
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(readiness, "readiness");
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
    MonitoringServer s = new MonitoringServer(http, threads, daemons, registry, readiness);
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
      boolean known = "/metrics".equals(path) || "/health".equals(path) || "/ready".equals(path);
      String method = exchange.getRequestMethod();
      if (!known) {
        respond(exchange, 404, "not found: try /metrics, /health or /ready\n");
      } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "method not allowed\n");
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

  private String notReadyReason() {
    try {
      return readiness.notReadyReason();
    } catch (RuntimeException e) {
      LOG.warn("Readiness check failed", e);
      return "readiness check failed: " + e;
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
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

  /** Stops listening and ends the request threads (a request being served gets a moment). */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
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
