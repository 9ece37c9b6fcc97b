package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.ErrorCode;
import io.quiver.storage.Location;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.OrcTestFiles;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.arrow.flight.Action;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.Result;
import org.apache.arrow.flight.Ticket;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end through a real Flight server and client, with data checked against Arrow C++. */
class QuiverFlightTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Path dataDir;
  private Path lake;
  private QuiverServer server;
  private BufferAllocator clientAllocator;
  private FlightClient client;

  @BeforeEach
  void setUp() throws Exception {
    dataDir = tmp.resolve("quiver-data");
    lake = Files.createDirectories(tmp.resolve("lake"));
    clientAllocator = new RootAllocator();
    start(256L << 20, 1024);
  }

  private void start(long memory, int batchRows) throws Exception {
    start(memory, batchRows, io.quiver.cache.EvictionPolicy.LRU);
  }

  private void start(long memory, int batchRows, io.quiver.cache.EvictionPolicy policy)
      throws Exception {
    server =
        QuiverServer.start(
            QuiverServer.Config.defaults()
                .withSecurity(
                    io.quiver.server.security.SecurityConfig.none()
                        .withAllowLocal(
                            java.util.List.of(
                                java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
                .withPort(0)
                .withDataDir(dataDir)
                .withMemory(memory)
                .withBatchRows(batchRows)
                .withEvictionPolicy(policy));
    client = FlightClient.builder(clientAllocator, server.location()).build();
  }

  private void start(QuiverServer.Config config) throws Exception {
    server = QuiverServer.start(config.withPort(0).withDataDir(dataDir));
    client = FlightClient.builder(clientAllocator, server.location()).build();
  }

  private void stop() throws Exception {
    client.close();
    server.close(); // fails if any off-heap memory leaked
  }

  @AfterEach
  void tearDown() throws Exception {
    stop();
    clientAllocator.close();
  }

  private JsonNode action(String type, Map<String, ?> body) throws Exception {
    Iterator<Result> results = client.doAction(new Action(type, JSON.writeValueAsBytes(body)));
    JsonNode last = null;
    while (results.hasNext()) {
      last = JSON.readTree(results.next().getBody());
    }
    return last;
  }

  private void mountLake() throws Exception {
    mountLakeAt("/lake", Map.of());
  }

  /** Mounts the test's lake directory at {@code path} with Quiver's or the store's options. */
  private JsonNode mountLakeAt(String path, Map<String, String> options) throws Exception {
    return action(
        "mount",
        Map.of("path", path, "uri", Location.ofLocalPath(lake).toString(), "options", options));
  }

  private static FlightDescriptor command(String table, List<String> columns) throws Exception {
    Map<String, Object> cmd =
        columns == null ? Map.of("table", table) : Map.of("table", table, "columns", columns);
    return FlightDescriptor.command(JSON.writeValueAsBytes(cmd));
  }

  private Table readAll(FlightInfo info) throws Exception {
    Table.Builder builder = Table.builder(info.getSchema());
    for (FlightEndpoint e : info.getEndpoints()) {
      try (FlightStream stream = client.getStream(e.getTicket())) {
        VectorSchemaRoot root = stream.getRoot();
        while (stream.next()) {
          builder.append(root);
        }
      }
    }
    return builder.build();
  }

  private FlightRuntimeException flightError(org.junit.jupiter.api.function.Executable call) {
    return assertThrows(FlightRuntimeException.class, call);
  }

  @Test
  void everyTypeMatchesArrowCppForParquetHadoopFiles() throws Exception {
    mountLake();
    int n = 0;
    for (CompressionCodecName codec :
        List.of(
            CompressionCodecName.UNCOMPRESSED,
            CompressionCodecName.SNAPPY,
            CompressionCodecName.GZIP,
            CompressionCodecName.ZSTD)) {
      for (boolean dictionary : new boolean[] {true, false}) {
        ParquetProperties.WriterVersion pages =
            n % 2 == 0
                ? ParquetProperties.WriterVersion.PARQUET_1_0
                : ParquetProperties.WriterVersion.PARQUET_2_0;
        String name = "t" + n;
        Path file =
            ParquetTestFiles.writeAllTypesWithParquetHadoop(
                Files.createDirectories(lake.resolve(name)),
                "data.parquet",
                codec,
                dictionary,
                pages,
                2500,
                64 << 10,
                n);
        action("create-table", Map.of("name", "types." + name, "path", "/lake/" + name));
        FlightInfo info = client.getInfo(FlightDescriptor.path("types", name));
        assertTrue(info.getEndpoints().size() > 1, "several row groups: " + info.getEndpoints());
        Table expected = ArrowOracle.readParquet(file);
        ArrowAssertions.assertSameTable(expected, readAll(info));
        n++;
      }
    }
  }

  @Test
  void everyTypeMatchesArrowCppForArrowCppFiles() throws Exception {
    mountLake();
    Path file =
        ParquetTestFiles.writeAllTypesWithArrowCpp(
            Files.createDirectories(lake.resolve("cpp")), "data.parquet", 7000, 1500, 7);
    // A namespace path works without defining a table.
    FlightInfo info = client.getInfo(FlightDescriptor.path("lake", "cpp", "data.parquet"));
    ArrowAssertions.assertSameTable(ArrowOracle.readParquet(file), readAll(info));
    assertEquals(
        info.getSchema(), client.getSchema(FlightDescriptor.path("lake", "cpp")).getSchema());
  }

  private static final org.apache.parquet.schema.MessageType NARROW =
      org.apache.parquet.schema.MessageTypeParser.parseMessageType(
          "message narrow { required int64 id; optional double amount;"
              + " optional binary name (STRING); optional int32 day (DATE); optional boolean flag; }");

  /**
   * A five-column table (long, double, string, date, boolean; about 10% nulls) in row groups of 64
   * KiB: what the cache wiring tests need, at a fraction of the all-types table's cost (the types
   * themselves are covered by the every-type tests).
   */
  private Path writeNarrowTable(String name, int rows, long seed) throws Exception {
    Path file = Files.createDirectories(lake.resolve(name)).resolve("part-0.parquet");
    java.util.Random r = new java.util.Random(seed);
    org.apache.parquet.example.data.simple.SimpleGroupFactory groups =
        new org.apache.parquet.example.data.simple.SimpleGroupFactory(NARROW);
    try (org.apache.parquet.hadoop.ParquetWriter<org.apache.parquet.example.data.Group> w =
        org.apache.parquet.hadoop.example.ExampleParquetWriter.builder(
                new org.apache.parquet.io.LocalOutputFile(file))
            .withType(NARROW)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupSize(64L << 10)
            .build()) {
      for (int i = 0; i < rows; i++) {
        org.apache.parquet.example.data.Group g = groups.newGroup();
        g.add("id", (long) i);
        if (r.nextInt(10) > 0) {
          g.add("amount", r.nextGaussian() * 1e6);
        }
        if (r.nextInt(10) > 0) {
          g.add("name", "customer-" + r.nextInt(1_000_000) + "-" + "x".repeat(r.nextInt(12)));
        }
        if (r.nextInt(10) > 0) {
          g.add("day", r.nextInt(40_000) - 10_000);
        }
        if (r.nextInt(10) > 0) {
          g.add("flag", r.nextBoolean());
        }
        w.write(g);
      }
    }
    return file;
  }

  private Path writeTable(String name, int rows, long seed) throws Exception {
    return ParquetTestFiles.writeAllTypesWithParquetHadoop(
        Files.createDirectories(lake.resolve(name)),
        "part-0.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        rows,
        64 << 10,
        seed);
  }

  @Test
  void secondScanReadsNothingFromStorageAndProjectionReadsOnlyItsColumns() throws Exception {
    mountLake();
    Path file = writeTable("t", 4000, 1); // several 64 KiB row groups
    action("create-table", Map.of("name", "t", "path", "/lake/t"));
    FlightInfo info = client.getInfo(FlightDescriptor.path("t"));
    assertTrue(info.getEndpoints().size() > 1, "several endpoints");

    long before = server.storageMetrics().bytesRead();
    Table first = readAll(info);
    long afterFirst = server.storageMetrics().bytesRead();
    assertTrue(afterFirst > before);
    Table second = readAll(client.getInfo(FlightDescriptor.path("t")));
    assertEquals(
        afterFirst, server.storageMetrics().bytesRead(), "warm scan must not read storage");
    ArrowAssertions.assertSameTable(first, second);
    JsonNode stats = action("stats", Map.of());
    assertTrue(stats.get("hits").asLong() > 0);
    JsonNode process = stats.get("process");
    assertTrue(
        process.get("offHeapPeakBytes").asLong() >= stats.get("bytes").asLong(),
        process.toString());
    assertTrue(process.get("heapPeakBytes").asLong() > 0, process.toString());

    // Projection on a cold cache reads at most those two columns' chunk bytes.
    server.cache().invalidateAll(k -> true);
    List<String> columns = List.of("int64_req", "str_opt");
    var footer =
        org.apache.parquet.hadoop.ParquetFileReader.readFooter(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()),
                new org.apache.hadoop.conf.Configuration()),
            org.apache.parquet.format.converter.ParquetMetadataConverter.NO_FILTER);
    long projectedBytes = 0;
    for (var block : footer.getBlocks()) {
      for (var col : block.getColumns()) {
        if (columns.contains(col.getPath().toDotString())) {
          projectedBytes += col.getTotalSize();
        }
      }
    }
    long start = server.storageMetrics().bytesRead();
    long startReads = server.storageMetrics().reads();
    Table projected = readAll(client.getInfo(command("t", columns)));
    long read = server.storageMetrics().bytesRead() - start;
    assertTrue(
        read > 0 && read <= projectedBytes,
        "read "
            + read
            + " of "
            + projectedBytes
            + " projected bytes in "
            + (server.storageMetrics().reads() - startReads)
            + " reads, "
            + server.storageMetrics().opens()
            + " opens");
    ArrowAssertions.assertSameTable(ArrowOracle.readParquet(file, columns), projected);
  }

  @Test
  void capacitySmallerThanTableEvictsAndStaysCorrect() throws Exception {
    stop();
    start(2L << 20, 1024);
    mountLake();
    Path file = writeNarrowTable("big", 150_000, 3);
    action("create-table", Map.of("name", "big", "path", "/lake/big"));
    Table expected = ArrowOracle.readParquet(file);
    for (int i = 0; i < 2; i++) {
      ArrowAssertions.assertSameTable(
          expected, readAll(client.getInfo(FlightDescriptor.path("big"))));
    }
    JsonNode stats = action("stats", Map.of());
    assertTrue(stats.get("evictions").asLong() > 0, "evictions: " + stats);
    assertTrue(server.cache().allocator().getPeakMemoryAllocation() <= 2L << 20);
    assertTrue(stats.get("bytes").asLong() <= 2L << 20);
  }

  @Test
  void badInputGetsClearStatusesAndOtherTablesKeepServing() throws Exception {
    mountLake();
    Path good = writeTable("good", 3000, 5);
    action("create-table", Map.of("name", "good", "path", "/lake/good"));
    Path badDir = Files.createDirectories(lake.resolve("bad"));
    Path bad = ParquetTestFiles.truncatedCopy(good, badDir, "part-0.parquet", Files.size(good) / 2);

    FlightRuntimeException e =
        flightError(() -> client.getInfo(FlightDescriptor.path("no", "such")));
    assertEquals(FlightStatusCode.NOT_FOUND, e.status().code());
    assertTrue(e.getMessage().contains("no.such"), e.getMessage());

    e =
        flightError(
            () -> {
              try (FlightStream s =
                  client.getStream(new Ticket("garbage".getBytes(StandardCharsets.UTF_8)))) {
                s.next();
              }
            });
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());

    e = flightError(() -> action("create-table", Map.of("name", "bad", "path", "/lake/bad")));
    assertTrue(e.getMessage().contains("part-0.parquet"), e.getMessage());
    assertEquals(ErrorCode.CORRUPT_FILE, FlightErrors.codeOf(e).orElseThrow(), e.toString());
    e = flightError(() -> client.getInfo(FlightDescriptor.path("lake", "bad")));
    assertTrue(e.getMessage().contains("part-0.parquet"), e.getMessage());
    assertTrue(Files.exists(bad));

    e =
        flightError(
            () ->
                action(
                    "mount",
                    Map.of(
                        "path",
                        "/nope",
                        "uri",
                        Location.ofLocalPath(tmp.resolve("missing")).toString())));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("nothing exists"), e.getMessage());

    e = flightError(() -> client.getInfo(command("good", List.of("no_such_column"))));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("no_such_column"));

    e = flightError(() -> action("frobnicate", Map.of()));
    assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code());
    assertEquals(ErrorCode.UNIMPLEMENTED, FlightErrors.codeOf(e).orElseThrow());

    Path nested =
        ParquetTestFiles.writeUnsupportedTypesWithParquetHadoop(
            Files.createDirectories(lake.resolve("nested")), "n.parquet");
    // A column Quiver cannot decode refuses only itself, when a scan asks for it (see
    // ColumnRefusalFlightTest): the table is made, scanning it whole is unsupported-file.
    action("create-table", Map.of("name", "nested", "path", "/lake/nested"));
    e = flightError(() -> client.getInfo(FlightDescriptor.path("nested")));
    assertEquals(FlightStatusCode.UNIMPLEMENTED, e.status().code());
    assertEquals(ErrorCode.UNSUPPORTED_FILE, FlightErrors.codeOf(e).orElseThrow());
    assertTrue(e.getMessage().contains("'tags_spans'"), e.getMessage());
    assertTrue(Files.exists(nested));

    // The good table still serves, with the right data.
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(good), readAll(client.getInfo(FlightDescriptor.path("good"))));
  }

  @Test
  void restartKeepsMountsAndTables() throws Exception {
    mountLake();
    Path file = writeTable("kept", 2000, 9);
    action("create-table", Map.of("name", "sales.kept", "path", "/lake/kept"));
    stop();
    start(64L << 20, 1024);
    JsonNode tables = action("tables", Map.of());
    assertEquals("sales.kept", tables.get("tables").get(0).get("name").asText());
    assertEquals("/lake", action("mounts", Map.of()).get("mounts").get(0).get("path").asText());
    List<String> listed = new ArrayList<>();
    client
        .listFlights(org.apache.arrow.flight.Criteria.ALL)
        .forEach(i -> listed.add(String.join(".", i.getDescriptor().getPath())));
    assertEquals(List.of("sales.kept"), listed);
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(file),
        readAll(client.getInfo(FlightDescriptor.path("sales", "kept"))));
  }

  @Test
  void changedFileIsServedFreshAndOldTicketFails() throws Exception {
    mountLakeAt("/lake", Map.of("sync", "always")); // every plan lists: the next one sees it
    Path file = writeTable("c", 3000, 11);
    action("create-table", Map.of("name", "c", "path", "/lake/c"));
    FlightInfo old = client.getInfo(FlightDescriptor.path("c"));
    readAll(old);
    Path replacement = writeTable("c2", 4000, 12);
    Files.move(replacement, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(
        file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(file), readAll(client.getInfo(FlightDescriptor.path("c"))));
    server.cache().invalidateAll(k -> true);
    FlightRuntimeException e = flightError(() -> readAll(old));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("changed"), e.getMessage());
  }

  @Test
  void cancelledStreamReleasesEverything() throws Exception {
    mountLake();
    writeNarrowTable("cx", 100_000, 13);
    action("create-table", Map.of("name", "cx", "path", "/lake/cx"));
    FlightInfo info = client.getInfo(FlightDescriptor.path("cx"));
    try (FlightStream stream = client.getStream(info.getEndpoints().get(0).getTicket())) {
      assertTrue(stream.next());
      stream.cancel("test cancels", null);
    }
    // Server-side stream allocators drain once the producer notices; close() in tearDown would
    // fail on any leak, and the cache still serves afterwards.
    readAll(client.getInfo(FlightDescriptor.path("cx")));
  }

  @Test
  void rowGroupLargerThanCapacityStreamsThroughOrIsResourceExhausted() throws Exception {
    stop();
    start(256L << 10, 1024);
    mountLake();
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        Files.createDirectories(lake.resolve("huge")),
        "p.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        20000,
        64 << 20,
        21);
    Path small =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            Files.createDirectories(lake.resolve("small")),
            "p.parquet",
            CompressionCodecName.SNAPPY,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            200,
            4 << 10,
            22);
    // One row group of 20000 rows of all 71 columns decodes to far more than 256 KiB: it cannot
    // be cached, so it streams through uncached.
    Path huge = lake.resolve("huge/p.parquet");
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(huge),
        readAll(client.getInfo(FlightDescriptor.path("lake", "huge"))));
    JsonNode stats = action("stats", Map.of());
    assertTrue(stats.get("streamedThrough").asLong() > 0, stats.toString());
    assertTrue(stats.get("bytes").asLong() <= 256L << 10, stats.toString());

    // Without room to stream it through either, the read fails clearly and others keep going.
    stop();
    server =
        QuiverServer.start(
            QuiverServer.Config.defaults()
                .withSecurity(
                    io.quiver.server.security.SecurityConfig.none()
                        .withAllowLocal(
                            java.util.List.of(
                                java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
                .withPort(0)
                .withDataDir(dataDir)
                .withMemory(256L << 10)
                .withBatchRows(1024)
                .withStreamThroughBytes(256L << 10));
    client = FlightClient.builder(clientAllocator, server.location()).build();
    FlightRuntimeException e =
        flightError(
            () -> {
              var info = client.getInfo(FlightDescriptor.path("lake", "huge"));
              readAll(info);
            });
    assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, e.status().code(), e.getMessage());
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(small),
        readAll(client.getInfo(FlightDescriptor.path("lake", "small"))));
  }

  @Test
  void concurrentClientsGetCorrectDataUnderEviction() throws Exception {
    stop();
    start(3L << 20, 1024);
    mountLake();
    Path file = writeNarrowTable("shared", 150_000, 23);
    action("create-table", Map.of("name", "shared", "path", "/lake/shared"));
    Table expected = ArrowOracle.readParquet(file, List.of("id", "name", "amount"));
    FlightDescriptor d = command("shared", List.of("id", "name", "amount"));
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Table>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> readAll(client.getInfo(d))));
      }
      for (var r : results) {
        ArrowAssertions.assertSameTable(expected, r.get(60, java.util.concurrent.TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(server.cache().allocator().getPeakMemoryAllocation() <= 3L << 20);
  }

  @Test
  void pinKeepsATableCachedUnderPressureAndFreeDropsIt() throws Exception {
    stop();
    start(3L << 20, 1024);
    mountLake();
    writeNarrowTable("hot", 3000, 31);
    writeNarrowTable("cold", 150_000, 32);
    action("create-table", Map.of("name", "hot", "path", "/lake/hot"));
    action("create-table", Map.of("name", "cold", "path", "/lake/cold"));
    List<String> columns = List.of("id", "name");
    FlightDescriptor hot = command("hot", columns);
    readAll(client.getInfo(hot));

    JsonNode pinned = action("pin", Map.of("table", "hot", "columns", columns, "ttl", "1h"));
    assertEquals("table:hot", pinned.get("pinned").asText());
    assertTrue(action("stats", Map.of()).get("pinnedEntries").asLong() > 0);

    readAll(client.getInfo(FlightDescriptor.path("cold"))); // far more than the capacity
    assertTrue(action("stats", Map.of()).get("evictions").asLong() > 0);
    long before = server.storageMetrics().bytesRead();
    readAll(client.getInfo(hot));
    assertEquals(before, server.storageMetrics().bytesRead(), "pinned chunks stayed cached");

    action("unpin", Map.of("table", "hot"));
    assertEquals(0, action("stats", Map.of()).get("pinnedEntries").asLong());
    FlightRuntimeException e = flightError(() -> action("unpin", Map.of("table", "hot")));
    assertEquals(FlightStatusCode.NOT_FOUND, e.status().code());
    e = flightError(() -> action("pin", Map.of("table", "hot", "columns", List.of("nope"))));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
    e = flightError(() -> action("pin", Map.of("table", "hot", "ttl", "soon")));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("soon"), e.getMessage());

    JsonNode freed = action("cache-free", Map.of("table", "hot"));
    assertTrue(freed.get("freedEntries").asLong() > 0, freed.toString());
    before = server.storageMetrics().bytesRead();
    readAll(client.getInfo(hot));
    assertTrue(server.storageMetrics().bytesRead() > before, "freed chunks are read again");
    action("cache-free", Map.of());
    assertEquals(0, action("stats", Map.of()).get("entries").asLong());
  }

  @Test
  void cacheLoadStreamsProgressAndMakesTheNextScanWarm() throws Exception {
    mountLake();
    Path file = writeTable("t", 20000, 41);
    action("create-table", Map.of("name", "t", "path", "/lake/t"));
    List<String> columns = List.of("int64_req", "str_opt");

    List<JsonNode> results = new java.util.ArrayList<>();
    Iterator<Result> it =
        client.doAction(
            new Action(
                "cache-load", JSON.writeValueAsBytes(Map.of("table", "t", "columns", columns))));
    it.forEachRemaining(
        r -> {
          try {
            results.add(JSON.readTree(r.getBody()));
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
    JsonNode done = results.get(results.size() - 1);
    assertEquals("done", done.get("state").asText(), done.toString());
    long units = done.get("units").asLong();
    assertTrue(units > 1, "several row groups: " + done);
    assertEquals(units, done.get("unitsDone").asLong());
    assertEquals(20000, done.get("rows").asLong());
    assertTrue(done.get("bytes").asLong() > 0 && done.get("storageBytesRead").asLong() > 0);
    assertEquals(units * columns.size(), action("stats", Map.of()).get("entries").asLong());

    // The loaded columns are served without storage reads and equal Arrow C++'s reading.
    long before = server.storageMetrics().bytesRead();
    Table projected = readAll(client.getInfo(command("t", columns)));
    assertEquals(before, server.storageMetrics().bytesRead(), "load made the scan warm");
    ArrowAssertions.assertSameTable(ArrowOracle.readParquet(file, columns), projected);

    // Loading again reads nothing; bad columns and unknown tables are refused clearly.
    JsonNode again = action("cache-load", Map.of("table", "t", "columns", columns));
    assertEquals(0, again.get("storageBytesRead").asLong(), again.toString());
    FlightRuntimeException e =
        flightError(() -> action("cache-load", Map.of("table", "t", "columns", List.of("nope"))));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("nope"), e.getMessage());
    e = flightError(() -> action("cache-load", Map.of("table", "missing")));
    assertEquals(FlightStatusCode.NOT_FOUND, e.status().code());
  }

  @Test
  void cacheLoadLargerThanTheCacheWarnsAndLeaksNothing() throws Exception {
    stop();
    start(3L << 20, 1024);
    mountLake();
    writeNarrowTable("big", 150_000, 42);
    action("create-table", Map.of("name", "big", "path", "/lake/big"));
    JsonNode done = action("cache-load", Map.of("table", "big"));
    assertEquals("done", done.get("state").asText());
    assertTrue(done.get("warning").asText().contains("evicted"), done.toString());
    assertTrue(server.cache().stats().bytes() <= 3L << 20);
  }

  @Test
  void diskTierKeepsEvictedChunksAndServesThemAfterARestart() throws Exception {
    stop();
    QuiverServer.Config config =
        QuiverServer.Config.defaults()
            .withSecurity(
                io.quiver.server.security.SecurityConfig.none()
                    .withAllowLocal(
                        java.util.List.of(
                            java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
            .withMemory(512L << 10)
            .withBatchRows(1024)
            .withDiskDirectories(
                List.of(new io.quiver.cache.DiskDirectory(tmp.resolve("disk"), 256L << 20)));
    start(config);
    mountLake();
    Path file = writeNarrowTable("big", 60_000, 51);
    action("create-table", Map.of("name", "big", "path", "/lake/big"));
    // Three columns of many small row groups: about 2 MiB decoded, four times the memory tier.
    List<String> columns = List.of("id", "name", "amount");
    FlightDescriptor big = command("big", columns);
    Table expected = ArrowOracle.readParquet(file, columns);
    ArrowAssertions.assertSameTable(expected, readAll(client.getInfo(big)));
    JsonNode stats = action("stats", Map.of());
    assertTrue(stats.get("demotions").asLong() > 0, stats.toString());
    assertEquals(0, stats.get("demotionFailures").asLong(), stats.toString());
    assertTrue(stats.get("disk").get("entries").asLong() > 0, stats.toString());

    // Everything evicted from memory is on disk: a second scan reads nothing from storage.
    long before = server.storageMetrics().bytesRead();
    ArrowAssertions.assertSameTable(expected, readAll(client.getInfo(big)));
    assertEquals(before, server.storageMetrics().bytesRead(), "served from memory and disk");
    assertTrue(action("stats", Map.of()).get("disk").get("hits").asLong() > 0);

    // After a restart the disk tier is found again (the footer is re-read, the data is not).
    stop();
    start(config);
    server.cache().reindexed().get(60, java.util.concurrent.TimeUnit.SECONDS);
    ArrowAssertions.assertSameTable(expected, readAll(client.getInfo(big)));
    long afterRestart = server.storageMetrics().bytesRead();
    // Only the footer is read again: its length sits before the trailing magic.
    byte[] bytes = Files.readAllBytes(file);
    long footer =
        java.nio.ByteBuffer.wrap(bytes, bytes.length - 8, 4)
            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
            .getInt();
    assertTrue(
        afterRestart <= footer + (64 << 10),
        "read " + afterRestart + " bytes after the restart; the footer has " + footer);
    JsonNode restarted = action("stats", Map.of());
    assertTrue(restarted.get("disk").get("hits").asLong() > 0, restarted.toString());
    JsonNode listed = action("cache-ls", Map.of("table", "big", "limit", 3));
    assertEquals(3, listed.get("entries").size(), listed.toString());
    assertTrue(listed.get("total").asLong() > 3, listed.toString());
    JsonNode all = action("cache-ls", Map.of("limit", 1_000_000));
    assertTrue(all.toString().contains("\"tier\":\"disk\""), "disk entries are listed");
  }

  @Test
  void mountQuotaBoundsTheCacheBytesOfItsFiles() throws Exception {
    FlightRuntimeException bad =
        flightError(() -> mountLakeAt("/lake", Map.of("cache-quota", "lots")));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, bad.status().code());
    assertTrue(bad.getMessage().contains("cache-quota"), bad.getMessage());
    mountLakeAt("/lake", Map.of("cache-quota", "1m"));
    Path file = writeNarrowTable("q", 100_000, 52);
    action("create-table", Map.of("name", "q", "path", "/lake/q"));
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(file), readAll(client.getInfo(FlightDescriptor.path("q"))));
    assertTrue(server.cache().quotaGroupBytes("/lake") <= 1L << 20);
    assertTrue(action("stats", Map.of()).get("memory").get("evictedQuota").asLong() > 0);
    assertTrue(action("mounts", Map.of()).toString().contains("cache-quota"));

    // The quota survives a restart (it is a mount option).
    stop();
    start(256L << 20, 1024);
    readAll(client.getInfo(FlightDescriptor.path("q")));
    assertTrue(server.cache().quotaGroupBytes("/lake") <= 1L << 20);
  }

  @Test
  void nestedParquetColumnsMatchArrowCppThroughFlight() throws Exception {
    mountLake();
    Path dir = Files.createDirectories(lake.resolve("nested"));
    Path hadoop =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            dir,
            "hadoop.parquet",
            CompressionCodecName.ZSTD,
            true,
            ParquetProperties.WriterVersion.PARQUET_2_0,
            3000,
            128 << 10,
            61);
    action("create-table", Map.of("name", "nested", "path", "/lake/nested/hadoop.parquet"));
    FlightInfo info = client.getInfo(FlightDescriptor.path("nested"));
    assertTrue(info.getEndpoints().size() > 1, "several row groups");
    ArrowAssertions.assertSameTableDeep(ArrowOracle.readParquet(hadoop), readAll(info));
    // Served again from the cache, identical.
    long before = server.storageMetrics().bytesRead();
    ArrowAssertions.assertSameTableDeep(
        ArrowOracle.readParquet(hadoop), readAll(client.getInfo(FlightDescriptor.path("nested"))));
    assertEquals(before, server.storageMetrics().bytesRead());

    Path arrowCpp = ParquetTestFiles.writeNestedWithArrowCpp(dir, "cpp.parquet", 2000, 700, 62);
    ArrowAssertions.assertSameTableDeep(
        ArrowOracle.readParquet(arrowCpp),
        readAll(client.getInfo(FlightDescriptor.path("lake", "nested", "cpp.parquet"))));
  }

  @Test
  void orcTablesMatchArrowCppThroughFlight() throws Exception {
    mountLake();
    Path dir = Files.createDirectories(lake.resolve("orc"));
    Path a =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "a.orc", 5000, org.apache.orc.CompressionKind.ZSTD, 64 << 10, 71);
    Path b =
        OrcTestFiles.writeAllTypesWithOrcCore(
            dir, "b.orc", 3000, org.apache.orc.CompressionKind.SNAPPY, 64 << 10, 72);
    // No format given: the files' extension says ORC.
    JsonNode created = action("create-table", Map.of("name", "events", "path", "/lake/orc"));
    assertEquals("orc", created.get("format").asText(), created.toString());
    assertEquals(8000, created.get("rows").asLong());
    FlightInfo info = client.getInfo(FlightDescriptor.path("events"));
    assertTrue(info.getEndpoints().size() > 2, "several stripes");
    Table expectedA = ArrowOracle.readOrc(a);
    Table expectedB = ArrowOracle.readOrc(b);
    Table all = readAll(info);
    assertEquals(expectedA.rowCount() + expectedB.rowCount(), all.rowCount());
    ArrowAssertions.assertSameTableDeep(
        expectedA, readAll(client.getInfo(FlightDescriptor.path("lake", "orc", "a.orc"))));

    // A projection is served from the cache after the full scan, without storage reads.
    List<String> columns = List.of("c_long", "c_string", "c_list");
    long before = server.storageMetrics().bytesRead();
    Table projected = readAll(client.getInfo(command("events", columns)));
    assertEquals(before, server.storageMetrics().bytesRead());
    assertEquals(all.rowCount(), projected.rowCount());
    assertEquals(all.column("c_string"), projected.column("c_string"));

    // A path mixing formats is refused; naming the format picks its files.
    ParquetTestFiles.writeAllTypesWithParquetHadoop(
        dir,
        "c.parquet",
        CompressionCodecName.SNAPPY,
        true,
        ParquetProperties.WriterVersion.PARQUET_1_0,
        100,
        1 << 20,
        73);
    // The mount keeps its listings (sync interval=30s by default): listed again on demand.
    assertEquals(3, action("refresh", Map.of("path", "/lake/orc")).get("files").asLong());
    FlightRuntimeException e =
        flightError(() -> client.getInfo(FlightDescriptor.path("lake", "orc")));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("mix formats"), e.getMessage());
    assertEquals(
        8000,
        action("create-table", Map.of("name", "events2", "path", "/lake/orc", "format", "orc"))
            .get("rows")
            .asLong());
    e =
        flightError(
            () ->
                action("create-table", Map.of("name", "x", "path", "/lake/orc", "format", "csv")));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("orc") && e.getMessage().contains("parquet"));
  }

  @Test
  void nativeDecoderServesTheSameDataPerServerOrPerMount() throws Exception {
    stop();
    start(
        QuiverServer.Config.defaults()
            .withSecurity(
                io.quiver.server.security.SecurityConfig.none()
                    .withAllowLocal(
                        java.util.List.of(
                            java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
            .withMemory(256L << 20)
            .withBatchRows(1000)
            .withDecoder("native"));
    mountLake();
    Path file = writeTable("n", 4000, 81); // several 64 KiB row groups
    action("create-table", Map.of("name", "n", "path", "/lake/n"));
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(file), readAll(client.getInfo(FlightDescriptor.path("n"))));

    // On a Java server, a mount can choose the native decoder; nested columns (which it leaves to
    // the Java decoder) and ORC files (which it cannot read) still work through the fallback.
    stop();
    start(256L << 20, 1024);
    mountLakeAt("/native", Map.of("decoder", "native"));
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(file),
        readAll(client.getInfo(FlightDescriptor.path("native", "n", "part-0.parquet"))));
    Path nested =
        ParquetTestFiles.writeNestedWithParquetHadoop(
            Files.createDirectories(lake.resolve("nn")),
            "p.parquet",
            CompressionCodecName.SNAPPY,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            1000,
            1 << 20,
            82);
    ArrowAssertions.assertSameTableDeep(
        ArrowOracle.readParquet(nested),
        readAll(client.getInfo(FlightDescriptor.path("native", "nn", "p.parquet"))));
    Path orc =
        OrcTestFiles.writeAllTypesWithOrcCore(
            Files.createDirectories(lake.resolve("no")),
            "o.orc",
            1000,
            org.apache.orc.CompressionKind.ZLIB,
            1 << 20,
            83);
    ArrowAssertions.assertSameTableDeep(
        ArrowOracle.readOrc(orc),
        readAll(client.getInfo(FlightDescriptor.path("native", "no", "o.orc"))));
    FlightRuntimeException e = flightError(() -> mountLakeAt("/bad", Map.of("decoder", "turbo")));
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
  }

  @Test
  void anErrorInADecoderFailsTheCallInsteadOfHangingIt() throws Exception {
    mountLake();
    Files.write(Files.createDirectories(lake.resolve("b")).resolve("x.broken"), new byte[16]);
    FlightInfo info = client.getInfo(FlightDescriptor.path("lake", "b", "x.broken"));
    FlightRuntimeException e =
        assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(60), () -> flightError(() -> readAll(info)));
    assertEquals(FlightStatusCode.INTERNAL, e.status().code(), e.getMessage());
    Path file = writeTable("ok", 1000, 91);
    ArrowAssertions.assertSameTable(
        ArrowOracle.readParquet(file),
        readAll(client.getInfo(FlightDescriptor.path("lake", "ok", "part-0.parquet"))));
  }

  @Test
  void tinyLfuServerStaysCorrectUnderEviction() throws Exception {
    stop();
    start(2L << 20, 1024, io.quiver.cache.EvictionPolicy.TINY_LFU);
    mountLake();
    Path file = writeNarrowTable("lfu", 150_000, 41);
    action("create-table", Map.of("name", "lfu", "path", "/lake/lfu"));
    Table expected = ArrowOracle.readParquet(file);
    for (int i = 0; i < 2; i++) {
      ArrowAssertions.assertSameTable(
          expected, readAll(client.getInfo(FlightDescriptor.path("lfu"))));
    }
    assertTrue(action("stats", Map.of()).get("evictions").asLong() > 0);
    assertTrue(server.cache().allocator().getPeakMemoryAllocation() <= 2L << 20);
  }
}
