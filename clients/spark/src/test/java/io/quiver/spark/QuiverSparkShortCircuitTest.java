package io.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.cache.SharedMemoryOptions;
import io.quiver.server.QuiverServer;
import io.quiver.server.TestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightEndpoint;
import org.apache.arrow.flight.FlightInfo;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark ({@code local[2]}: the executors run in this JVM, on the node's host) reading a node that
 * runs with shared memory: with the default {@code shortCircuit=true} the tasks map the node's
 * cached chunks instead of streaming them (no {@code DoGet} at all), and the rows are those of
 * {@code shortCircuit=false} (Flight) and of Spark's own Parquet reader on the same files. Table
 * {@code s.orders}: the read test's orders (two files of 5,000 rows, row groups of 1,000, nested
 * columns), one endpoint per row group.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiverSparkShortCircuitTest {
  @TempDir static Path tmp;
  private TestNode node;
  private SparkSession spark;
  private Path ordersDir;

  @BeforeAll
  void setUp() throws Exception {
    ordersDir = Files.createDirectories(tmp.resolve("lake/orders"));
    for (int f = 0; f < 2; f++) {
      QuiverSparkReadTest.writeOrders(
          ordersDir.resolve("part-" + f + ".parquet"), f * QuiverSparkReadTest.ROWS_PER_FILE, f);
    }
    Path shm = Files.createDirectories(tmp.resolve("shm"));
    node =
        TestNode.start(
                tmp.resolve("quiver-data"),
                c ->
                    c.withShortCircuit(new SharedMemoryOptions(shm, null))
                        .withRowGroupsPerEndpoint(1)
                        .withHttpPort(QuiverServer.Config.HTTP_ANY_PORT))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("s.orders", "/lake/orders");
    spark = LocalSpark.spark();
  }

  @AfterAll
  void tearDown() throws Exception {
    if (node != null) {
      node.close(); // fails on a server-side leak (a lease left open included)
    }
  }

  private Dataset<Row> quiver(boolean shortCircuit) {
    return spark
        .read()
        .format("quiver")
        .option("server", "127.0.0.1:" + node.port())
        .option("shortCircuit", String.valueOf(shortCircuit))
        .load("s.orders");
  }

  /** The node's finished Flight calls of {@code method} (any status), from its /metrics. */
  private long calls(String method) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.server().httpPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    double n = 0;
    for (String line : r.body().lines().toList()) {
      if (line.startsWith("quiver_flight_calls_total{")
          && line.contains("method=\"" + method + "\"")) {
        n += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return (long) n;
  }

  /** Rows clients mapped from the node's shared memory so far ({@code stats}). */
  private long rowsMapped() {
    return node.stats().path("scans").path("rowsMapped").asLong(-1);
  }

  /** Waits until the node has counted at least {@code n} calls of {@code method} (counted late). */
  private long awaitCalls(String method, long n) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    long got;
    while ((got = calls(method)) < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    return got;
  }

  @Test
  void readsMapTheNodesMemoryAndGiveFlightsAndSparksParquetRows() throws Exception {
    List<String> expected = LocalSpark.canonicalRows(spark.read().parquet(ordersDir.toString()));
    assertEquals(2 * QuiverSparkReadTest.ROWS_PER_FILE, expected.size());
    int partitions = quiver(true).rdd().getNumPartitions();
    assertEquals(10, partitions, "one partition per row group");

    long doGets = calls("DoGet");
    long actions = calls("DoAction");
    // Cold: the leases load the chunks into shared memory.
    assertEquals(expected, LocalSpark.canonicalRows(quiver(true)));
    // Every task opened a lease (the short-circuit action), none streamed.
    assertTrue(
        awaitCalls("DoAction", actions + partitions) >= actions + partitions,
        "a short-circuit lease per task");
    assertEquals(doGets, calls("DoGet"), "shortCircuit=true read over Flight");

    // The same read over Flight: one DoGet per partition (the counter works).
    assertEquals(expected, LocalSpark.canonicalRows(quiver(false)));
    assertEquals(doGets + partitions, awaitCalls("DoGet", doGets + partitions));

    // Warm, mapped again: every row mapped (the node counts them before it answers), no DoGet.
    long mapped = rowsMapped();
    assertEquals(expected, LocalSpark.canonicalRows(quiver(true)));
    assertEquals(mapped + expected.size(), rowsMapped(), "shortCircuit=true read over Flight");
    assertEquals(doGets + partitions, calls("DoGet"), "shortCircuit=true read over Flight");
    // A projection, mapped too.
    mapped = rowsMapped();
    assertEquals(
        LocalSpark.canonicalRows(spark.read().parquet(ordersDir.toString()).select("id", "tags")),
        LocalSpark.canonicalRows(quiver(true).select("id", "tags")));
    assertEquals(mapped + expected.size(), rowsMapped(), "shortCircuit=true read over Flight");
    assertEquals(doGets + partitions, calls("DoGet"), "shortCircuit=true read over Flight");
    // A filter pushed to the node cannot be mapped (the node selects rows per batch): those tasks
    // fall back to Flight, with the same rows.
    Dataset<Row> filtered = quiver(true).where("id >= 2500 AND id < 3700");
    int filteredPartitions = filtered.rdd().getNumPartitions();
    assertEquals(2, filteredPartitions, "row groups 2 and 3");
    assertEquals(
        LocalSpark.canonicalRows(
            spark.read().parquet(ordersDir.toString()).where("id >= 2500 AND id < 3700")),
        LocalSpark.canonicalRows(filtered));
    assertEquals(
        doGets + partitions + filteredPartitions,
        awaitCalls("DoGet", doGets + partitions + filteredPartitions));
  }

  /** How many times this process maps files of the node's shared-memory directory. */
  private long mappingsOfSharedFiles() throws Exception {
    Path dir = node.server().cache().sharedMemory().directory();
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.filter(l -> l.contains(dir.toString()) && l.contains(".arrow")).count();
    }
  }

  /**
   * The partition reader as a task runs it: with {@code shortCircuit} on, the batch it holds is the
   * node's files mapped again in this process (one mapping per column at least), unmapped when the
   * reader closes; with it off, nothing more is mapped.
   */
  @Test
  void thePartitionReaderMapsTheColumnsFiles() throws Exception {
    FlightInfo info;
    try (var client = io.quiver.client.QuiverClient.connect("127.0.0.1", node.port())) {
      info = client.info(io.quiver.client.QuiverClient.command("s.orders", List.of("id", "price")));
    }
    FlightEndpoint endpoint = info.getEndpoints().get(0);
    String[] locations =
        endpoint.getLocations().stream().map(l -> l.getUri().toString()).toArray(String[]::new);
    QuiverPartition partition =
        new QuiverPartition(
            0, info.getEndpoints().size(), endpoint.getTicket().getBytes(), locations);
    List<String> columns = List.of("id", "price");
    readEndpoint(partition, columns, false, -1); // loads the chunks: the node maps them
    long[] viaFlight = readEndpoint(partition, columns, false, 0);
    long nodeOnly = mappingsOfSharedFiles();
    assertTrue(nodeOnly >= 2, "the node maps its own files: " + nodeOnly);
    long[] mapped = readEndpoint(partition, columns, true, nodeOnly + columns.size());
    assertEquals(viaFlight[0], mapped[0], "rows");
    assertEquals(viaFlight[1], mapped[1], "sum of ids");
    assertEquals(nodeOnly, mappingsOfSharedFiles(), "the reader unmapped them on close");
  }

  /**
   * Reads the partition, checking while it holds its first batch that this process maps at least
   * {@code minMappings} shared files ({@code 0}: exactly as many as before, {@code -1}: no check);
   * returns its rows and the sum of its ids.
   */
  private long[] readEndpoint(
      QuiverPartition partition, List<String> columns, boolean shortCircuit, long minMappings)
      throws Exception {
    QuiverOptions options =
        QuiverOptions.parse(
            Map.of(
                "path",
                "s.orders",
                "server",
                "127.0.0.1:" + node.port(),
                "shortCircuit",
                String.valueOf(shortCircuit)));
    long before = mappingsOfSharedFiles();
    long rows = 0;
    long sum = 0;
    try (QuiverPartitionReader reader = new QuiverPartitionReader(options, partition, columns)) {
      while (reader.next()) {
        ColumnarBatch b = reader.get();
        if (rows == 0 && minMappings >= 0) {
          long now = mappingsOfSharedFiles();
          if (minMappings == 0) {
            assertEquals(before, now, "a Flight read maps nothing");
          } else {
            assertTrue(now >= minMappings, "the reader mapped the columns' files: " + now);
          }
        }
        for (int i = 0; i < b.numRows(); i++) {
          sum += b.column(0).getLong(i);
        }
        rows += b.numRows();
      }
    }
    assertEquals(QuiverSparkReadTest.ROWS_PER_GROUP, rows, "one row group");
    return new long[] {rows, sum};
  }

  @Test
  void theOptionIsTrueOrFalse() {
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                spark
                    .read()
                    .format("quiver")
                    .option("server", "127.0.0.1:" + node.port())
                    .option("shortCircuit", "yes")
                    .load("s.orders"));
    assertEquals("Option \"shortCircuit\" must be true or false, got 'yes'", bad.getMessage());
    assertTrue(QuiverOptions.parse(Map.of("path", "s.orders")).shortCircuit(), "on by default");
    assertFalse(
        QuiverOptions.parse(Map.of("path", "s.orders", "SHORTCIRCUIT", " False ")).shortCircuit());
    assertTrue(
        QuiverOptions.parse(Map.of("path", "s.orders", "shortcircuit", "TRUE")).shortCircuit());
  }
}
