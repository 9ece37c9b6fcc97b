package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.cache.EntryInfo;
import io.quiver.protocol.ErrorCode;
import io.quiver.server.security.Authenticator;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.Location;
import io.quiver.testing.ParquetTestFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page of a real node's monitoring port over plain HTTP: {@code /status.json}'s content
 * after real scans and a failing call, masking of mount secrets, escaping of what users chose, the
 * page's headers, and who may see it when authentication is on.
 */
class StatusPageTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A mount option value and a request that a careless page would turn into markup. */
  static final String HOSTILE = "<img src=x onerror=alert(1)>";

  @TempDir Path tmp;

  static HttpResponse<String> get(int port, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Writes a small Parquet table into {@code dir}. */
  static void writeOrders(Path dir) throws Exception {
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        Files.createDirectories(dir),
        "part-0.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        2000,
        32 << 10,
        1);
  }

  /**
   * A catalog the node loads at start with a mount the local store refuses (it takes no store
   * options): listed, unavailable, with a secret option and a hostile value.
   */
  static void writeCatalogWithAVault(Path dataDir, Path vault) throws Exception {
    Files.createDirectories(dataDir);
    Files.writeString(
        dataDir.resolve("catalog.json"),
        JSON.writeValueAsString(
            Map.of(
                "version",
                1,
                "mounts",
                List.of(
                    Map.of(
                        "path",
                        "/vault",
                        "target",
                        Location.ofLocalPath(vault).toString(),
                        "options",
                        Map.of("secret-key", "hunter2", "note", HOSTILE))),
                "tables",
                List.of())));
  }

  /** Scans {@code sales.orders} twice (the second from the cache) and fails one call. */
  static void scanTwiceAndFailOnce(TestNode node) throws Exception {
    FlightDescriptor orders = FlightDescriptor.path("sales", "orders");
    int rows = node.read(node.client().getInfo(orders)).rowCount();
    assertEquals(rows, node.read(node.client().getInfo(orders)).rowCount());
    assertThrows(
        FlightRuntimeException.class,
        () -> node.client().getInfo(FlightDescriptor.path("no", "such")));
  }

  /** Fetches /status.json until {@code errors.total} reaches {@code errors}. */
  static JsonNode statusWithErrors(int port, int errors) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      HttpResponse<String> r = get(port, "/status.json");
      assertEquals(200, r.statusCode(), r.body());
      JsonNode s = JSON.readTree(r.body());
      // Flight tells its middleware that a call ended just after the client hears of it.
      if (s.path("errors").path("total").asLong() >= errors || System.nanoTime() > deadline) {
        return s;
      }
      Thread.sleep(20);
    }
  }

  @Test
  void statusJsonShowsTheNodeItsMountsTablesCacheAndErrors() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake"));
    writeOrders(lake.resolve("orders"));
    Path data = tmp.resolve("data");
    writeCatalogWithAVault(data, Files.createDirectories(tmp.resolve("vault")));
    try (TestNode node =
        TestNode.start(data, c -> c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT))) {
      int port = node.server().httpPort();
      node.mount("/lake", lake).createTable("sales.orders", "/lake/orders");
      // A table over the one file of sales.orders: what the scans cache counts for both.
      node.createTable("sales.part0", "/lake/orders/part-0.parquet");
      scanTwiceAndFailOnce(node);

      HttpResponse<String> r = get(port, "/status.json");
      assertEquals(200, r.statusCode());
      assertEquals(
          "application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
      JsonNode s = statusWithErrors(port, 1);

      // The node.
      JsonNode n = s.get("node");
      assertEquals(node.server().location().getUri().toString(), n.get("location").asText());
      assertFalse(n.get("version").asText().isEmpty());
      assertTrue(n.get("uptimeSeconds").asLong() >= 0);
      assertTrue(n.get("ready").asBoolean());

      // Mounts: secrets masked exactly as the mounts action masks them, never shown.
      Map<String, JsonNode> mounts = byField(s.get("mounts"), "path");
      assertEquals(List.of("/lake", "/vault"), new ArrayList<>(mounts.keySet()));
      assertTrue(mounts.get("/lake").get("available").asBoolean());
      assertEquals(Location.ofLocalPath(lake).toString(), mounts.get("/lake").get("uri").asText());
      JsonNode vault = mounts.get("/vault");
      assertFalse(vault.get("available").asBoolean());
      assertFalse(vault.get("unavailableReason").asText().isEmpty());
      assertEquals("****", vault.get("options").get("secret-key").asText());
      assertEquals(HOSTILE, vault.get("options").get("note").asText());
      JsonNode listed = node.action("mounts", Map.of());
      for (JsonNode m : listed.get("mounts")) {
        assertEquals(
            m.get("options"), mounts.get(m.get("path").asText()).get("options"), "as listed");
      }
      assertFalse(r.body().contains("hunter2"), r.body());

      // Tables, with what the cache holds of their files.
      long cached =
          node.server().cache().entries(k -> true).stream().mapToLong(EntryInfo::bytes).sum();
      assertTrue(cached > 0);
      JsonNode table = byField(s.get("tables"), "name").get("sales.orders");
      assertNotNull(table, s.get("tables").toString());
      assertEquals("/lake/orders", table.get("path").asText());
      assertEquals("parquet", table.get("format").asText());
      assertEquals(cached, table.get("cachedBytes").asLong());
      assertEquals(
          cached, byField(s.get("tables"), "name").get("sales.part0").get("cachedBytes").asLong());
      // Largest first, then by name.
      assertEquals(2, s.get("topTables").size());
      assertEquals("sales.orders", s.get("topTables").get(0).get("name").asText());
      assertEquals("sales.part0", s.get("topTables").get(1).get("name").asText());
      assertEquals(cached, s.get("topTables").get(0).get("bytes").asLong());
      assertEquals(cached, s.get("topTables").get(0).get("memoryBytes").asLong());
      assertEquals(0, s.get("topTables").get(0).get("diskBytes").asLong());

      // The cache: per tier, the hit ratio of the warm scan, the history ending now.
      JsonNode cache = s.get("cache");
      assertEquals(1, cache.get("tiers").size(), "no disk tier");
      JsonNode memory = cache.get("tiers").get(0);
      assertEquals("memory", memory.get("tier").asText());
      assertEquals(256L << 20, memory.get("capacityBytes").asLong());
      assertEquals(node.server().cache().stats().bytes(), memory.get("usedBytes").asLong());
      assertEquals(node.server().cache().stats().entries(), memory.get("entries").asLong());
      double hitRatio = cache.get("hitRatio").asDouble();
      assertTrue(hitRatio > 0 && hitRatio < 1, "a cold and a warm scan: " + hitRatio);
      assertEquals(
          (double) node.server().cache().stats().hits()
              / (node.server().cache().stats().hits() + node.server().cache().stats().misses()),
          hitRatio,
          1e-9);
      JsonNode samples = s.get("history").get("samples");
      assertTrue(samples.size() >= 2, samples.toString());
      JsonNode last = samples.get(samples.size() - 1);
      assertEquals(memory.get("usedBytes").asLong(), last.get("memoryBytes").asLong());
      assertTrue(samples.get(0).get("t").asLong() <= last.get("t").asLong());

      // The failed call, as its client saw it.
      assertEquals(1, s.get("errors").get("total").asLong());
      JsonNode error = s.get("errors").get("recent").get(0);
      assertEquals("GetFlightInfo", error.get("method").asText());
      assertEquals("NOT_FOUND", error.get("status").asText());
      assertEquals(ErrorCode.NOT_FOUND.code(), error.get("code").asText());
      assertTrue(error.get("message").asText().contains("/no/such"), error.toString());
    }
  }

  @Test
  void thePageIsSelfContainedAndEscapesWhatUsersChose() throws Exception {
    Path data = tmp.resolve("data");
    writeCatalogWithAVault(data, Files.createDirectories(tmp.resolve("vault")));
    try (TestNode node =
        TestNode.start(data, c -> c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT))) {
      int port = node.server().httpPort();
      // An error whose message repeats the request.
      assertThrows(
          FlightRuntimeException.class,
          () -> node.client().getInfo(FlightDescriptor.path("x", HOSTILE)));
      statusWithErrors(port, 1);

      HttpResponse<String> r = get(port, "/");
      assertEquals(200, r.statusCode());
      String html = r.body();
      assertEquals("text/html; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(""));
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
      assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(""));
      String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
      Matcher nonce = Pattern.compile("script-src 'nonce-([A-Za-z0-9+/=]+)'").matcher(csp);
      assertTrue(nonce.find(), csp);
      assertTrue(csp.startsWith("default-src 'none';"), csp);
      assertTrue(html.contains("<script nonce=\"" + nonce.group(1) + "\">"), "the script runs");
      assertTrue(html.contains("<style nonce=\"" + nonce.group(1) + "\">"), "the style applies");
      String again = get(port, "/").headers().firstValue("Content-Security-Policy").orElse("");
      assertFalse(again.contains(nonce.group(1)), "a fresh nonce per response");

      // Nothing loaded from elsewhere; no secret; nothing users chose parsed as markup.
      assertFalse(Pattern.compile("(?i)(src|href)\\s*=\\s*\"?(https?:)?//").matcher(html).find());
      assertFalse(html.contains("<link"), "no stylesheet to fetch");
      assertFalse(html.contains("hunter2"));
      assertFalse(html.contains(HOSTILE), "escaped, not markup");
      assertTrue(html.contains("\\u003cimg src=x onerror=alert(1)\\u003e"), "kept, escaped");
      assertFalse(html.contains("{{"), "every placeholder filled");
      // The embedded state is the JSON of /status.json.
      Matcher initial =
          Pattern.compile(
                  "<script type=\"application/json\" id=\"initial-status\">(.*?)</script>",
                  Pattern.DOTALL)
              .matcher(html);
      assertTrue(initial.find());
      JsonNode embedded = JSON.readTree(initial.group(1));
      assertEquals("/vault", embedded.get("mounts").get(0).get("path").asText());
      assertEquals(HOSTILE, embedded.get("mounts").get(0).get("options").get("note").asText());
      assertTrue(
          embedded.get("errors").get("recent").get(0).get("message").asText().contains(HOSTILE),
          embedded.get("errors").toString());

      // HEAD like GET, other methods refused, other paths not found.
      HttpResponse<String> head =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, head.statusCode());
      assertEquals("", head.body());
      HttpResponse<String> post =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status.json"))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
      for (String path : List.of("/index.html", "/status.json/", "/status")) {
        assertEquals(404, get(port, path).statusCode(), path);
      }
    }
  }

  @Test
  void anOpenPageAnswersOnlyToItsOwnHostNames() throws Exception {
    try (TestNode node =
        TestNode.start(
            tmp.resolve("data"), c -> c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT))) {
      int port = node.server().httpPort();
      for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "localhost")) {
        assertTrue(rawGet(port, "/status.json", host).startsWith("HTTP/1.1 200 "), host);
      }
      // What a page of evil.example sends after pointing its name at 127.0.0.1 (DNS rebinding).
      for (String path : List.of("/", "/status.json")) {
        String refused = rawGet(port, path, "evil.example:" + port);
        assertTrue(refused.startsWith("HTTP/1.1 403 "), refused);
        assertFalse(refused.contains("\"mounts\""), refused);
      }
      assertTrue(rawGet(port, "/metrics", "evil.example").startsWith("HTTP/1.1 200 "));
    }
  }

  @Test
  void aDiskTierIsShownWithItsCapacity() throws Exception {
    Path disk = Files.createDirectories(tmp.resolve("disk"));
    try (TestNode node =
        TestNode.start(
            tmp.resolve("data"),
            c ->
                c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT)
                    .withDiskDirectories(
                        List.of(new io.quiver.cache.DiskDirectory(disk, 64L << 20))))) {
      JsonNode tiers =
          JSON.readTree(get(node.server().httpPort(), "/status.json").body())
              .get("cache")
              .get("tiers");
      assertEquals(2, tiers.size(), tiers.toString());
      assertEquals("disk", tiers.get(1).get("tier").asText());
      assertEquals(64L << 20, tiers.get(1).get("capacityBytes").asLong());
      assertEquals(0, tiers.get(1).get("usedBytes").asLong());
    }
  }

  /** A GET with a chosen Host header (HttpClient will not send one); the whole response. */
  private static String rawGet(int port, String path, String host) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void withAuthenticationOnlyAdminsSeeThePage() throws Exception {
    String adminToken = Authenticator.newToken();
    String readerToken = Authenticator.newToken();
    Path config =
        Files.writeString(
            tmp.resolve("quiver.json"),
            JSON.writeValueAsString(
                Map.of(
                    "users",
                    Map.of(
                        "alice",
                        Map.of("password", hash("alice-pass"), "roles", List.of("admin")),
                        "bob",
                        Map.of("password", hash("bob-pass"), "roles", List.of("reader"))),
                    "tokens",
                    Map.of(
                        "ops",
                        Map.of(
                            "sha256",
                            Authenticator.sha256Hex(adminToken),
                            "roles",
                            List.of("admin")),
                        "etl",
                        Map.of(
                            "sha256",
                            Authenticator.sha256Hex(readerToken),
                            "roles",
                            List.of("reader"))))));
    SecurityConfig security = SecurityConfig.load(config);
    try (TestNode node =
        TestNode.start(
            tmp.resolve("data"),
            c -> c.withSecurity(security).withHttpPort(QuiverServer.Config.HTTP_ANY_PORT))) {
      int port = node.server().httpPort();
      for (String path : List.of("/", "/status.json")) {
        HttpResponse<String> none = get(port, path);
        assertEquals(401, none.statusCode(), path);
        assertTrue(
            none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic realm="),
            none.headers().toString());
        assertTrue(none.body().contains("admin"), none.body());
        assertFalse(none.body().contains("Quiver status</title>"));

        HttpResponse<String> wrong = get(port, path, "Authorization", basic("alice", "nope"));
        assertEquals(401, wrong.statusCode());
        assertEquals(
            401,
            get(port, path, "Authorization", "Bearer " + Authenticator.newToken()).statusCode());
        assertEquals(403, get(port, path, "Authorization", basic("bob", "bob-pass")).statusCode());
        assertEquals(403, get(port, path, "Authorization", "Bearer " + readerToken).statusCode());

        HttpResponse<String> admin = get(port, path, "Authorization", basic("alice", "alice-pass"));
        assertEquals(200, admin.statusCode(), admin.body());
        assertEquals(
            200, get(port, path, "Authorization", "Bearer " + adminToken).statusCode(), path);
        assertFalse(admin.body().contains(adminToken) || admin.body().contains("alice-pass"));
      }
      // The rest of the port stays open.
      for (String path : List.of("/metrics", "/health", "/ready")) {
        assertEquals(200, get(port, path).statusCode(), path);
      }
    }
  }

  @Test
  void theSamplerEndsWithTheNode() throws Exception {
    java.util.Set<Thread> before = samplers();
    TestNode node =
        TestNode.start(tmp.resolve("data"), c -> c.withHttpPort(QuiverServer.Config.HTTP_ANY_PORT));
    java.util.Set<Thread> started = samplers();
    started.removeAll(before);
    assertEquals(1, started.size(), "one sampler per node: " + started);
    node.close();
    assertFalse(started.iterator().next().isAlive(), "the sampler thread ended with the node");
  }

  private static java.util.Set<Thread> samplers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("quiver-status-sampler-") && t.isAlive())
        .collect(java.util.stream.Collectors.toSet());
  }

  private static String hash(String password) {
    return BCrypt.withDefaults().hashToString(4, password.toCharArray());
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** The objects of an array by one of their fields, in order. */
  private static Map<String, JsonNode> byField(JsonNode array, String field) {
    Map<String, JsonNode> by = new java.util.LinkedHashMap<>();
    for (JsonNode o : array) {
      by.put(o.get(field).asText(), o);
    }
    return by;
  }
}
