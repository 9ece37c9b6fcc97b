package io.quiver.server.stores;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.server.QuiverServer;
import io.quiver.server.security.SecurityConfig;
import io.quiver.storage.Location;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Result;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * End-to-end scenarios through a real Flight server and client over one kind of store: scans
 * checked against Arrow C++, overwrites, deletes, refused mounts and a store that goes away.
 * Subclasses say how to run the store ({@link Store}) and which mounts it must refuse.
 *
 * <p>Each test gets its own Quiver server and its own prefix in the class's shared store; a test
 * that stops a store starts one of its own.
 */
abstract class StoreFlightTest {
  /** The node's listing clock (nanoseconds), advanced by the tests instead of sleeping. */
  private final java.util.concurrent.atomic.AtomicLong clock =
      new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  /** Far above any timeout the mounts configure: guards against a hang, measures nothing. */
  static final Duration HANG = Duration.ofSeconds(90);

  private static final int ROWS_A = 4000;
  private static final int ROWS_B = 3000;
  private static final int ROWS_B_REPLACED = 2000;

  /** A running store server, and how to mount and change what it holds. */
  interface Store {
    /** The store URI of {@code path}, a relative path such as {@code t1/sales/part-0.parquet}. */
    String uri(String path);

    /** Options to mount this store with: endpoint, credentials by environment variable name. */
    Map<String, String> options();

    /** {@link #options()} with timeouts and retries short enough for a stopped store. */
    Map<String, String> failFastOptions();

    /** How failures name this store: its endpoint or NameNode. */
    String endpoint();

    /** Writes the bytes of {@code local} at {@code path}, replacing any object there. */
    void upload(String path, Path local) throws Exception;

    /** Deletes the object at {@code path}. */
    void delete(String path) throws Exception;

    /** Stops the store server; idempotent. */
    void stop() throws Exception;
  }

  /** A mount the server must refuse; the message must contain every one of {@code names}. */
  /** A mount the server must refuse, with the status a client should see. */
  record RefusedMount(
      String problem,
      FlightStatusCode status,
      String uri,
      Map<String, String> options,
      List<String> names) {}

  /** The store shared by the class's tests. */
  abstract Store store();

  /** Starts a store of the test's own, which the test may stop. */
  abstract Store startOwnStore(Path dir) throws Exception;

  /**
   * Mounts to refuse, besides a missing path: wrong credentials, a missing bucket (container, ...),
   * an unreachable endpoint. {@code prefix} holds data readable with {@link Store#options()}.
   */
  abstract List<RefusedMount> refusedMounts(String prefix) throws Exception;

  /** Values of the credentials the mounts use, which must never reach a client. */
  abstract List<String> secretValues();

  /**
   * The operator's credential sets the store's mounts name ({@code credentials=NAME}): clients
   * cannot name server environment variables themselves.
   */
  Map<String, Map<String, String>> credentialSets() {
    return Map.of();
  }

  private SecurityConfig security() {
    SecurityConfig s =
        SecurityConfig.none()
            .withAllowLocal(List.of(Path.of(System.getProperty("java.io.tmpdir"))));
    for (Map.Entry<String, Map<String, String>> e : credentialSets().entrySet()) {
      s = s.withCredentialSet(e.getKey(), e.getValue());
    }
    return s;
  }

  @TempDir static Path files;
  @TempDir Path tmp;
  private String prefix;
  private QuiverServer server;
  private BufferAllocator clientAllocator;
  private FlightClient client;

  @BeforeEach
  void startServer() throws Exception {
    prefix = "t" + PREFIXES.incrementAndGet();
    clientAllocator = new RootAllocator();
    server =
        QuiverServer.start(
            QuiverServer.Config.defaults()
                .withSecurity(security())
                .withPort(0)
                .withDataDir(tmp.resolve("quiver-data"))
                .withMemory(256L << 20)
                .withBatchRows(1024)
                .withTicker(clock::get));
    client = FlightClient.builder(clientAllocator, server.location()).build();
  }

  @AfterEach
  void stopServer() throws Exception {
    try {
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.close(); // fails on an off-heap leak
      }
    } finally {
      clientAllocator.close();
    }
  }

  // ---- scenarios --------------------------------------------------------------------------

  @Test
  void tableOverTwoObjectsMatchesArrowCppAndASecondScanReadsNothing() throws Exception {
    Path a = partA();
    Path b = partB();
    uploadSales(a, b);
    mountLakeAndCreateSales();

    FlightInfo info = client.getInfo(FlightDescriptor.path("sales"));
    assertEquals(ROWS_A + ROWS_B, info.getRecords());
    assertTrue(info.getEndpoints().size() > 2, "several row groups: " + info.getEndpoints());
    long before = server.storageMetrics().bytesRead();
    assertSameAsArrowCpp(List.of(a, b), info);
    long afterFirst = server.storageMetrics().bytesRead();
    assertTrue(afterFirst > before, "the first scan reads the objects");

    assertSameAsArrowCpp(List.of(a, b), client.getInfo(FlightDescriptor.path("sales")));
    assertEquals(
        afterFirst, server.storageMetrics().bytesRead(), "a warm scan must not read storage");
    assertTrue(action("stats", Map.of()).get("hits").asLong() > 0);
  }

  /**
   * With the mount's listings kept ({@code sync=never} here, so that nothing depends on timing), a
   * warm plan makes no store call; after an overwrite the plan still names the old version, but
   * reading it is refused even though its chunks are cached (reads verify versions: never stale),
   * and that refusal drops the kept listing, so the next plan reads the new object.
   */
  @Test
  void aWarmPlanCallsNoStoreAndAnOverwrittenObjectIsNeverServedStale() throws Exception {
    Path a = partA();
    Path b = partB();
    uploadSales(a, b);
    mountLakeAndCreateSales(Map.of("sync", "never"));
    FlightInfo old = client.getInfo(FlightDescriptor.path("sales"));
    assertSameAsArrowCpp(List.of(a, b), old);
    long calls = storeCalls();
    FlightInfo warm = client.getInfo(FlightDescriptor.path("sales"));
    assertEquals(calls, storeCalls(), "a warm plan called the store");
    assertEquals(old.getRecords(), warm.getRecords());

    Path replacement = partBReplacement();
    store().upload(salesObject(1), replacement);
    // Reads trust a version the store confirmed for a moment (the streams of one scan share one
    // check): past that, the next read asks again.
    clock.addAndGet(io.quiver.catalog.ListingCache.VERIFIED_FOR.toNanos() + 1);
    FlightInfo planned = client.getInfo(FlightDescriptor.path("sales"));
    assertEquals(ROWS_A + ROWS_B, planned.getRecords(), "the kept listing");
    FlightEndpoint part1 = planned.getEndpoints().get(planned.getEndpoints().size() - 1);
    FlightRuntimeException e = flightError(() -> read(info(planned, part1)));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
    assertTrue(e.getMessage().contains("changed"), e.getMessage());
    assertTrue(e.getMessage().contains("part-1.parquet"), e.getMessage());

    FlightInfo fresh = client.getInfo(FlightDescriptor.path("sales"));
    assertEquals(ROWS_A + ROWS_B_REPLACED, fresh.getRecords());
    assertSameAsArrowCpp(List.of(a, replacement), fresh);
  }

  @Test
  void overwrittenObjectIsServedFreshAndATicketPlannedBeforeFailsAsChanged() throws Exception {
    Path a = partA();
    Path b = partB();
    uploadSales(a, b);
    mountLakeAndCreateSales(Map.of("sync", "always"));
    FlightInfo old = client.getInfo(FlightDescriptor.path("sales"));
    assertSameAsArrowCpp(List.of(a, b), old);

    Path replacement = partBReplacement();
    store().upload(salesObject(1), replacement);
    FlightInfo fresh = client.getInfo(FlightDescriptor.path("sales"));
    assertEquals(ROWS_A + ROWS_B_REPLACED, fresh.getRecords());
    assertSameAsArrowCpp(List.of(a, replacement), fresh);

    // Without cached chunks the old ticket must go to the store, which holds another version.
    server.cache().invalidateAll(k -> true);
    FlightEndpoint oldPart1 = old.getEndpoints().get(old.getEndpoints().size() - 1);
    FlightRuntimeException e = flightError(() -> read(info(old, oldPart1)));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code(), e.getMessage());
    assertTrue(e.getMessage().contains("changed"), e.getMessage());
    assertTrue(e.getMessage().contains("part-1.parquet"), e.getMessage());
  }

  /** Every call the node made to stores: listings, stats, opens and reads. */
  private long storeCalls() {
    var m = server.storageMetrics();
    return m.lists() + m.stats() + m.opens() + m.reads();
  }

  @Test
  void deletedObjectIsNotFoundForATicketPlannedBeforeAndLeavesNewPlans() throws Exception {
    Path a = partA();
    Path b = partB();
    uploadSales(a, b);
    mountLakeAndCreateSales();
    FlightInfo before = client.getInfo(FlightDescriptor.path("sales"));

    store().delete(salesObject(1));
    FlightEndpoint part1 = before.getEndpoints().get(before.getEndpoints().size() - 1);
    FlightRuntimeException e = flightError(() -> read(info(before, part1)));
    assertEquals(FlightStatusCode.NOT_FOUND, e.status().code(), e.getMessage());
    assertTrue(e.getMessage().contains("part-1.parquet"), e.getMessage());

    FlightInfo after = client.getInfo(FlightDescriptor.path("sales"));
    assertEquals(ROWS_A, after.getRecords());
    assertTrue(after.getEndpoints().size() < before.getEndpoints().size());
    assertSameAsArrowCpp(List.of(a), after);
  }

  @Test
  void refusedMountsSayWhyAndTheServerKeepsServing() throws Exception {
    Table local = createLocalTable();
    Path a = partA();
    store().upload(salesObject(0), a);
    mountLakeAndCreateSales();

    List<RefusedMount> refused = new ArrayList<>(refusedMounts(prefix));
    refused.add(
        new RefusedMount(
            "missing path",
            FlightStatusCode.INVALID_ARGUMENT,
            store().uri(prefix + "/no-such-dir"),
            store().options(),
            List.of("nothing exists", "no-such-dir")));
    for (RefusedMount r : refused) {
      FlightRuntimeException e =
          assertTimeoutPreemptively(
              HANG,
              () ->
                  flightError(
                      () ->
                          action(
                              "mount",
                              Map.of("path", "/refused", "uri", r.uri(), "options", r.options()))),
              r.problem());
      // Refused credentials and unreachable stores keep their own status so a client can tell
      // "fix the request" from "fix access" and "retry later".
      assertEquals(r.status(), e.status().code(), r.problem() + ": " + e.getMessage());
      assertTrue(e.getMessage().contains("Cannot mount"), r.problem() + ": " + e.getMessage());
      for (String name : r.names()) {
        assertTrue(e.getMessage().contains(name), r.problem() + ": " + e.getMessage());
      }
      assertNoSecretIn(e.getMessage());
    }

    List<String> mounted = new ArrayList<>();
    action("mounts", Map.of()).get("mounts").forEach(m -> mounted.add(m.get("path").asText()));
    assertEquals(List.of("/lake", "/local"), mounted);
    assertSameAsArrowCpp(List.of(a), client.getInfo(FlightDescriptor.path("sales")));
    assertServesLocalTable(local);
  }

  @Test
  void storeGoingAwayBeforeTheScanIsUnavailableAndCachesNothing() throws Exception {
    Table local = createLocalTable();
    Path a = partA();
    Store own = startOwnStore(tmp.resolve("own-store"));
    try {
      own.upload("down/part-0.parquet", a);
      action(
          "mount",
          Map.of("path", "/down", "uri", own.uri("down"), "options", own.failFastOptions()));
      action("create-table", Map.of("name", "down", "path", "/down"));
      FlightInfo info = client.getInfo(FlightDescriptor.path("down"));
      assertEquals(0, server.cache().stats().entries(), "planning caches no chunk");

      own.stop();
      FlightRuntimeException e =
          assertTimeoutPreemptively(HANG, () -> flightError(() -> read(info)));
      assertEquals(FlightStatusCode.UNAVAILABLE, e.status().code(), e.getMessage());
      // Names the store's address; by port, as some failures (an HDFS NameNode closing its RPC
      // connection: Hadoop's EOFException) name host:port rather than the endpoint URI.
      assertTrue(
          e.getMessage().contains(":" + URI.create(own.endpoint()).getPort()), e.getMessage());
      var stats = server.cache().stats();
      assertEquals(0, stats.entries(), "no partial cache entry: " + stats);
      assertEquals(0, stats.bytes(), "no partial cache entry: " + stats);
    } finally {
      own.stop();
    }
    assertServesLocalTable(local);
  }

  @Test
  void mountsShowCredentialVariableNamesButNoSecretValues() throws Exception {
    Path a = partA();
    store().upload(salesObject(0), a);
    JsonNode reply =
        action(
            "mount",
            Map.of("path", "/lake", "uri", store().uri(prefix), "options", store().options()));
    JsonNode mounts = action("mounts", Map.of());
    JsonNode lake = mounts.get("mounts").get(0);
    assertEquals("/lake", lake.get("path").asText());
    assertEquals(store().uri(prefix), lake.get("uri").asText());
    Map<String, String> shown = new HashMap<>();
    lake.get("options")
        .fields()
        .forEachRemaining(f -> shown.put(f.getKey(), f.getValue().asText()));
    // Options (the credential set's name, not its contents) are shown as given.
    assertEquals(store().options(), shown);
    assertNoSecretIn(reply.toString());
    assertNoSecretIn(mounts.toString());
    // Nor does the catalog persist a secret.
    try (Stream<Path> persisted = Files.walk(tmp.resolve("quiver-data"))) {
      for (Path f : persisted.filter(Files::isRegularFile).toList()) {
        assertNoSecretIn(Files.readString(f, StandardCharsets.UTF_8));
      }
    }
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** A local port nothing listens on (closed again right away). */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** {@code options} plus {@code more} (key, value, key, value, ...). */
  static Map<String, String> with(Map<String, String> options, String... more) {
    Map<String, String> all = new HashMap<>(options);
    for (int i = 0; i < more.length; i += 2) {
      all.put(more[i], more[i + 1]);
    }
    return Map.copyOf(all);
  }

  /** The value of a variable of the test JVM's environment (set by surefire). */
  static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(
          name + " is not set: flight-server/pom.xml's surefire environmentVariables set it");
    }
    return value;
  }

  private void assertNoSecretIn(String text) {
    for (String secret : secretValues()) {
      assertFalse(text.contains(secret), "a secret value leaked into: " + text);
    }
  }

  private static Path partA() throws IOException {
    return parquet("a.parquet", ROWS_A, 1);
  }

  private static Path partB() throws IOException {
    return parquet("b.parquet", ROWS_B, 2);
  }

  /** Other data, and another row count, for part B. */
  private static Path partBReplacement() throws IOException {
    return parquet("b2.parquet", ROWS_B_REPLACED, 3);
  }

  /**
   * The local Parquet file {@code name} with every supported type and several row groups, written
   * once per test class (every test uploads the files to its own prefix).
   */
  private static Path parquet(String name, int rows, long seed) throws IOException {
    Path file = files.resolve(name);
    if (Files.exists(file)) {
      return file;
    }
    return ParquetTestFiles.writeAllTypesWithParquetHadoop(
        files,
        name,
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        rows,
        128 << 10, // a few row groups per file: each is a ranged GET per column
        seed);
  }

  private String salesObject(int part) {
    return prefix + "/sales/part-" + part + ".parquet";
  }

  private void uploadSales(Path... parts) throws Exception {
    for (int i = 0; i < parts.length; i++) {
      store().upload(salesObject(i), parts[i]);
    }
  }

  private void mountLakeAndCreateSales() throws Exception {
    mountLakeAndCreateSales(Map.of());
  }

  private void mountLakeAndCreateSales(Map<String, String> moreOptions) throws Exception {
    Map<String, String> options = new java.util.HashMap<>(store().options());
    options.putAll(moreOptions);
    action("mount", Map.of("path", "/lake", "uri", store().uri(prefix), "options", options));
    action("create-table", Map.of("name", "sales", "path", "/lake/sales"));
  }

  /** Mounts a local directory at /local with a small table "local"; returns its oracle data. */
  private Table createLocalTable() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("local"));
    Path file =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            dir,
            "small.parquet",
            CompressionCodecName.SNAPPY,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            500,
            128 << 10, // a few row groups per file: each is a ranged GET per column
            99);
    action("mount", Map.of("path", "/local", "uri", Location.ofLocalPath(dir).toString()));
    action("create-table", Map.of("name", "local", "path", "/local"));
    return ArrowOracle.readParquet(file);
  }

  private void assertServesLocalTable(Table expected) throws Exception {
    ArrowAssertions.assertSameTable(expected, read(client.getInfo(FlightDescriptor.path("local"))));
  }

  private JsonNode action(String type, Map<String, ?> body) throws Exception {
    Iterator<Result> results = client.doAction(new Action(type, JSON.writeValueAsBytes(body)));
    JsonNode last = null;
    while (results.hasNext()) {
      last = JSON.readTree(results.next().getBody());
    }
    return last;
  }

  private static FlightRuntimeException flightError(Executable call) {
    return assertThrows(FlightRuntimeException.class, call);
  }

  private static org.apache.arrow.vector.types.pojo.Schema schema(FlightInfo info) {
    return info.getSchemaOptional().orElseThrow();
  }

  /** {@code info} narrowed to one of its endpoints. */
  private static FlightInfo info(FlightInfo info, FlightEndpoint endpoint) {
    return new FlightInfo(schema(info), info.getDescriptor(), List.of(endpoint), -1, -1);
  }

  /** Every endpoint's batches, in order, as one table. */
  private Table read(FlightInfo info) throws Exception {
    Table.Builder table = Table.builder(schema(info));
    forEachBatch(info, table::append);
    return table.build();
  }

  private interface BatchConsumer {
    void accept(VectorSchemaRoot batch);
  }

  private void forEachBatch(FlightInfo info, BatchConsumer consumer) throws Exception {
    for (FlightEndpoint e : info.getEndpoints()) {
      try (FlightStream stream = client.getStream(e.getTicket())) {
        VectorSchemaRoot root = stream.getRoot();
        while (stream.next()) {
          consumer.accept(root);
        }
      }
    }
  }

  /**
   * Scans {@code info} and checks it holds the files, in this order, as Arrow C++ reads them. Each
   * batch holds rows of one row group, so it belongs to one file: the scan is cut into one table
   * per file by the files' row counts.
   */
  private void assertSameAsArrowCpp(List<Path> files, FlightInfo info) throws Exception {
    List<Table> expected = files.stream().map(ArrowOracle::readParquet).toList();
    List<Table> actual = new ArrayList<>();
    Table.Builder[] current = {Table.builder(schema(info))};
    int[] rows = {0};
    forEachBatch(
        info,
        batch -> {
          int n = batch.getRowCount();
          if (n == 0) {
            return;
          }
          if (actual.size() == expected.size()) {
            fail("The scan has more rows than the files: " + files);
          }
          int fileRows = expected.get(actual.size()).rowCount();
          if (rows[0] + n > fileRows) {
            fail(
                "A batch crosses the end of " + files.get(actual.size()) + ": files out of order?");
          }
          current[0].append(batch);
          rows[0] += n;
          if (rows[0] == fileRows) {
            actual.add(current[0].build());
            current[0] = Table.builder(schema(info));
            rows[0] = 0;
          }
        });
    assertEquals(expected.size(), actual.size(), "files fully scanned, " + rows[0] + " rows more");
    for (int i = 0; i < expected.size(); i++) {
      ArrowAssertions.assertSameTable(expected.get(i), actual.get(i));
    }
  }
}
