package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quiver.server.monitoring.MonitoringServer;
import io.quiver.testing.ParquetTestFiles;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitoring port of a real node: Prometheus {@code /metrics} after real scans through a Flight
 * client, {@code /health}, {@code /ready}, errors, and the port's life with the node.
 */
class MonitoringTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** {@code name{labels} value}, optionally a timestamp: a sample line of the text format. */
  private static final Pattern SAMPLE =
      Pattern.compile(
          "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})?"
              + " (\\S+)(?: -?\\d+)?");

  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  @TempDir Path tmp;

  private TestNode start() throws IOException {
    return TestNode.start(
        tmp.resolve("data"), c -> c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT));
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return send(port, path, HttpRequest.newBuilder().GET());
  }

  private static HttpResponse<String> send(int port, String path, HttpRequest.Builder request)
      throws Exception {
    return HTTP.send(
        request.uri(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** One sample: its name and labels. */
  private record Series(String name, Map<String, String> labels) {}

  /**
   * Parses the text exposition, failing on any line that is neither a comment nor a sample, and
   * returns every sample's value.
   */
  private static Map<Series, Double> parse(String text) {
    Map<Series, Double> samples = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertTrue(m.matches(), "not a sample line: " + line);
      Map<String, String> labels = new HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      double value = Double.parseDouble(m.group(3).replace("Inf", "Infinity"));
      assertNull(samples.put(new Series(m.group(1), labels), value), "twice: " + line);
    }
    return samples;
  }

  private static Map<Series, Double> scrape(int port) throws Exception {
    HttpResponse<String> r = get(port, "/metrics");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(
        r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
        r.headers().toString());
    return parse(r.body());
  }

  private static double value(Map<Series, Double> samples, String name, String... labels) {
    Map<String, String> l = new HashMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      l.put(labels[i], labels[i + 1]);
    }
    Double v = samples.get(new Series(name, l));
    assertNotNull(v, () -> name + l + " not in " + samples.keySet());
    return v;
  }

  /**
   * Scrapes until {@code name{labels}} reaches {@code atLeast}: Flight tells its middleware that a
   * call completed just after the client hears of it.
   */
  private static Map<Series, Double> scrapeUntil(
      int port, double atLeast, String name, String... labels) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      Map<Series, Double> samples = scrape(port);
      Map<String, String> l = new HashMap<>();
      for (int i = 0; i < labels.length; i += 2) {
        l.put(labels[i], labels[i + 1]);
      }
      Double v = samples.get(new Series(name, l));
      if ((v != null && v >= atLeast) || System.nanoTime() > deadline) {
        return samples;
      }
      Thread.sleep(20);
    }
  }

  @Test
  void metricsCountCacheStorageAndFlightCallsOfRealScans() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        Files.createDirectories(lake.resolve("orders")),
        "part-0.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        2000,
        32 << 10,
        1);
    try (TestNode node = start()) {
      QuiverServer server = node.server();
      int port = server.httpPort();
      assertTrue(port > 0, "listening on a free port: " + port);
      node.mount("/lake", lake).createTable("sales.orders", "/lake/orders");

      FlightDescriptor orders = FlightDescriptor.path("sales", "orders");
      FlightInfo info = node.client().getInfo(orders);
      int endpoints = info.getEndpoints().size();
      int rows = node.read(info).rowCount();
      assertEquals(rows, node.read(node.client().getInfo(orders)).rowCount()); // warm
      FlightRuntimeException missing =
          assertThrows(
              FlightRuntimeException.class,
              () -> node.client().getInfo(FlightDescriptor.path("no", "such")));
      String missingStatus = missing.status().code().name();

      Map<Series, Double> m =
          scrapeUntil(
              port,
              1,
              "quiver_flight_calls_total",
              "method",
              "GetFlightInfo",
              "status",
              missingStatus);
      m =
          scrapeUntil(
              port, 2 * endpoints, "quiver_flight_calls_total", "method", "DoGet", "status", "OK");

      // Flight calls by method and status, timed.
      assertEquals(
          2 * endpoints, value(m, "quiver_flight_calls_total", "method", "DoGet", "status", "OK"));
      assertEquals(
          1,
          value(
              m, "quiver_flight_calls_total", "method", "GetFlightInfo", "status", missingStatus));
      assertEquals(
          2, value(m, "quiver_flight_calls_total", "method", "GetFlightInfo", "status", "OK"));
      assertTrue(
          value(m, "quiver_flight_call_duration_seconds_count", "method", "DoGet")
              >= 2 * endpoints);
      assertEquals(
          value(m, "quiver_flight_call_duration_seconds_count", "method", "DoGet"),
          value(m, "quiver_flight_call_duration_seconds_bucket", "method", "DoGet", "le", "+Inf"));
      assertTrue(value(m, "quiver_flight_call_duration_seconds_sum", "method", "DoGet") > 0);

      // The cache: the warm scan hit memory; what is cached is what the cache says.
      assertTrue(value(m, "quiver_cache_hits_total", "tier", "memory") > 0);
      assertTrue(value(m, "quiver_cache_misses_total", "tier", "memory") > 0);
      io.quiver.cache.CacheStats stats = server.cache().stats();
      assertEquals(stats.bytes(), value(m, "quiver_cache_bytes", "tier", "memory"));
      assertEquals(stats.entries(), value(m, "quiver_cache_entries", "tier", "memory"));
      assertEquals(256L << 20, value(m, "quiver_cache_capacity_bytes", "tier", "memory"));
      assertEquals(stats.hits(), value(m, "quiver_cache_hits_total", "tier", "memory"));
      assertEquals(0, value(m, "quiver_cache_evictions_total", "tier", "memory", "cause", "size"));
      assertEquals(0, value(m, "quiver_cache_pinned_bytes"));
      assertFalse(m.containsKey(new Series("quiver_cache_bytes", Map.of("tier", "disk"))));
      double loads = value(m, "quiver_cache_loads_total");
      assertTrue(loads > 0);
      assertEquals(loads, value(m, "quiver_cache_load_duration_seconds_count"));
      double median = value(m, "quiver_cache_load_duration_seconds", "quantile", "0.5");
      assertTrue(median > 0 && median <= value(m, "quiver_cache_load_duration_max_seconds"));

      assertTrue(value(m, "quiver_cache_load_duration_seconds_sum") > 0);
      assertTrue(
          value(m, "quiver_cache_load_duration_seconds_sum")
              >= value(m, "quiver_cache_load_duration_seconds", "quantile", "0.5"));

      // Storage, per mount and store: the one mount read every byte the node counts.
      double bytesRead =
          value(m, "quiver_storage_read_bytes_total", "mount", "/lake", "store", "file");
      assertTrue(bytesRead > 0);
      assertEquals(server.storageMetrics().bytesRead(), bytesRead);
      assertEquals(
          server.storageMetrics().reads(),
          value(
              m, "quiver_storage_requests_total", "mount", "/lake", "store", "file", "op", "read"));
      assertTrue(
          value(m, "quiver_storage_requests_total", "mount", "/lake", "store", "file", "op", "list")
              > 0);

      // Scans, catalog, memory, readiness, the JVM.
      assertEquals(2, value(m, "quiver_scans_planned_total"));
      assertEquals(2 * rows, value(m, "quiver_scan_rows_sent_total"));
      assertEquals(1, value(m, "quiver_catalog_mounts"));
      assertEquals(1, value(m, "quiver_catalog_tables"));
      assertTrue(value(m, "quiver_allocator_allocated_bytes", "allocator", "chunk-cache") > 0);
      assertEquals(
          server.allocator().getLimit(),
          value(m, "quiver_allocator_limit_bytes", "allocator", "root"));
      assertTrue(
          value(m, "quiver_allocator_peak_bytes", "allocator", "chunk-cache")
              >= value(m, "quiver_allocator_allocated_bytes", "allocator", "chunk-cache"));
      for (String child : List.of("streams", "flight", "sql")) {
        assertTrue(value(m, "quiver_allocator_limit_bytes", "allocator", child) > 0, child);
      }
      assertEquals(1, value(m, "quiver_ready"));
      assertTrue(m.keySet().stream().anyMatch(s -> s.name().startsWith("jvm_memory")));

      // Conventions: our names under quiver_, bounded labels, no file names.
      for (Series s : m.keySet()) {
        assertTrue(
            s.name().startsWith("quiver_")
                || s.name().startsWith("jvm_")
                || s.name().startsWith("process_"),
            s.toString());
        for (String v : s.labels().values()) {
          assertFalse(v.contains(".parquet") || v.contains(lake.toString()), s.toString());
        }
      }

      // A second mount gets its own series, which end when it is unmounted.
      node.mount("/other", lake);
      Series other =
          new Series("quiver_storage_read_bytes_total", Map.of("mount", "/other", "store", "file"));
      assertTrue(scrape(port).containsKey(other));
      node.action("unmount", Map.of("path", "/other"));
      Map<Series, Double> after = scrape(port);
      assertFalse(after.containsKey(other), "an unmounted mount's series end");
      assertEquals(
          bytesRead,
          value(after, "quiver_storage_read_bytes_total", "mount", "/lake", "store", "file"));
    }
  }

  @Test
  void healthReadyAndHttpErrors() throws Exception {
    try (TestNode node = start()) {
      int port = node.server().httpPort();
      HttpResponse<String> health = get(port, "/health");
      assertEquals(200, health.statusCode());
      assertEquals("ok\n", health.body());
      HttpResponse<String> ready = get(port, "/ready");
      assertEquals(200, ready.statusCode(), ready.body());
      assertEquals(
          200,
          send(port, "/health", HttpRequest.newBuilder().method("HEAD", noBody())).statusCode());
      assertEquals(200, get(port, "/").statusCode(), "the status page (StatusPageTest)");
      for (String path : List.of("/nope", "/metrics/", "/health/x", "/ready.txt", "/index.html")) {
        assertEquals(404, get(port, path).statusCode(), path);
      }
      for (String path : List.of("/metrics", "/health", "/ready")) {
        HttpResponse<String> post = send(port, path, HttpRequest.newBuilder().POST(noBody()));
        assertEquals(405, post.statusCode(), path);
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        assertEquals(
            405,
            send(port, path, HttpRequest.newBuilder().method("DELETE", noBody())).statusCode());
      }
    }
  }

  private static HttpRequest.BodyPublisher noBody() {
    return HttpRequest.BodyPublishers.noBody();
  }

  @Test
  void readinessWaitsForTheDiskTierReindex() throws Exception {
    CompletableFuture<Void> reindex = new CompletableFuture<>();
    assertEquals("disk cache tier still re-indexing", QuiverServer.notReadyReason(reindex));
    reindex.complete(null);
    assertNull(QuiverServer.notReadyReason(reindex));
    assertNull(
        QuiverServer.notReadyReason(CompletableFuture.failedFuture(new IOException("bad disk"))),
        "a failed re-index leaves a usable cache");

    // What /ready answers as the node's readiness changes.
    AtomicReference<String> reason = new AtomicReference<>("disk cache tier still re-indexing");
    try (MonitoringServer http =
        MonitoringServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            new PrometheusRegistry(),
            reason::get)) {
      HttpResponse<String> r = get(http.port(), "/ready");
      assertEquals(503, r.statusCode());
      assertEquals("disk cache tier still re-indexing\n", r.body());
      assertEquals(200, get(http.port(), "/health").statusCode(), "alive all the same");
      reason.set(null);
      assertEquals(200, get(http.port(), "/ready").statusCode());
    }
  }

  @Test
  void readyWithADiskTierOnceReindexed() throws Exception {
    Path disk = Files.createDirectories(tmp.resolve("disk"));
    try (TestNode node =
        TestNode.start(
            tmp.resolve("data"),
            c ->
                c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT)
                    .withDiskDirectories(
                        List.of(new io.quiver.cache.DiskDirectory(disk, 64L << 20))))) {
      node.server().cache().reindexed().get();
      int port = node.server().httpPort();
      assertEquals(200, get(port, "/ready").statusCode());
      Map<Series, Double> m = scrape(port);
      assertEquals(64L << 20, value(m, "quiver_cache_capacity_bytes", "tier", "disk"));
      assertEquals(0, value(m, "quiver_cache_bytes", "tier", "disk"));
      assertEquals(0, value(m, "quiver_cache_evictions_total", "tier", "disk", "cause", "corrupt"));
    }
  }

  @Test
  void withAuthenticationTheMetricsNeedNoneAndShowNoSecret() throws Exception {
    String token = io.quiver.server.security.Authenticator.newToken();
    String hash = io.quiver.server.security.Authenticator.sha256Hex(token);
    Path config =
        Files.writeString(
            tmp.resolve("quiver.json"),
            "{\"tokens\": {\"etl\": {\"sha256\": \"" + hash + "\", \"roles\": [\"reader\"]}}}");
    io.quiver.server.security.SecurityConfig security =
        io.quiver.server.security.SecurityConfig.load(config);
    try (TestNode node =
        TestNode.start(
            tmp.resolve("data"),
            c -> c.withSecurity(security).withHttpPort(QuiverServer.Config.HTTP_ANY_PORT))) {
      int port = node.server().httpPort();
      assertThrows(
          FlightRuntimeException.class, () -> node.client().listActions().forEach(a -> {}));
      org.apache.arrow.flight.FlightCallHeaders headers =
          new org.apache.arrow.flight.FlightCallHeaders();
      headers.insert("authorization", "Bearer " + token);
      node.client()
          .listActions(new org.apache.arrow.flight.HeaderCallOption(headers))
          .forEach(a -> {});
      Map<Series, Double> m =
          scrapeUntil(
              port, 1, "quiver_flight_calls_total", "method", "ListActions", "status", "OK");
      assertEquals(
          1, value(m, "quiver_flight_calls_total", "method", "ListActions", "status", "OK"));
      String body = get(port, "/metrics").body();
      assertFalse(body.contains(token) || body.contains(hash), body);
      assertEquals(200, get(port, "/ready").statusCode());
    }
  }

  @Test
  void offUnlessAskedAndClosedWithTheNode() throws Exception {
    assertEquals(QuiverServer.Config.HTTP_OFF, QuiverServer.Config.defaults().httpPort());
    assertThrows(
        IllegalArgumentException.class, () -> QuiverServer.Config.defaults().withHttpPort(-2));
    assertThrows(
        IllegalArgumentException.class, () -> QuiverServer.Config.defaults().withHttpPort(65536));
    try (TestNode node = TestNode.start(tmp.resolve("off"))) {
      assertEquals(0, node.server().httpPort(), "port 0: no listener");
    }

    TestNode node = start();
    int port = node.server().httpPort();
    assertEquals(200, get(port, "/health").statusCode());
    node.close(); // fails on leaked memory
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith("quiver-http-") && t.isAlive()),
        "request threads ended");
  }

  @Test
  void aTakenHttpPortFailsTheStartAndReleasesEverything() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      IOException e =
          assertThrows(
              IOException.class,
              () -> TestNode.start(tmp.resolve("data"), c -> c.withHttpPort(taken.getLocalPort())));
      assertTrue(e.getMessage().contains("HTTP port " + taken.getLocalPort()), e.getMessage());
    }
    // The data dir's lock and the Flight port were released: a node starts on the same data dir.
    try (TestNode node = start()) {
      assertEquals(200, get(node.server().httpPort(), "/health").statusCode());
    }
  }
}
