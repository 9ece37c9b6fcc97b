package io.quiver.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.server.TestNode;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.ParquetTestFiles;
import io.quiver.testing.Table;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.Location;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark ({@code local[2]}) reading a real Quiver node, checked against Spark's own Parquet reader
 * on the same files. One node and one session for the class (the cases only read). Tables: {@code
 * s.orders} (two files of 5,000 rows, row groups of 1,000, {@code id} sorted, nested columns; one
 * endpoint per row group), {@code s.customers} (100 rows), {@code s.cold} (a copy of the orders
 * files under another mount, read by one case only, so it starts uncached), {@code t.all} (every
 * primitive type, {@link ParquetTestFiles#writeAllTypesWithParquetHadoop}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiverSparkReadTest {
  static final int ROWS_PER_FILE = 5_000;
  static final int ROWS_PER_GROUP = 1_000;
  private static final String[] STATUS = {"F", "O", "P", "é", "中"};

  private static final MessageType ORDERS =
      MessageTypeParser.parseMessageType(
          "message orders {"
              + " required int64 id;"
              + " optional int32 cust;"
              + " optional binary status (STRING);"
              + " optional int64 total (DECIMAL(12,2));"
              + " optional double price;"
              + " optional float weight;"
              + " optional int32 day (DATE);"
              + " optional int64 ts (TIMESTAMP(MICROS,true));"
              + " optional int64 ts_local (TIMESTAMP(MILLIS,false));"
              + " optional boolean flag;"
              + " optional int32 small (INTEGER(8,true));"
              + " optional int32 u16 (INTEGER(16,false));"
              + " optional binary payload;"
              + " optional group tags (LIST) { repeated group list { optional int32 element; } }"
              + " optional group attrs (MAP) { repeated group key_value {"
              + "   required binary key (STRING); optional int32 value; } }"
              + " optional group point { required double x; optional binary label (STRING);"
              + "   optional group names (LIST) { repeated group list {"
              + "     optional binary element (STRING); } } }"
              // Nested columns with children Spark's Arrow vectors cannot read as they come.
              + " optional group bytes (LIST) { repeated group list {"
              + "   optional int32 element (INTEGER(8,false)); } }"
              + " optional group event { optional int64 at (TIMESTAMP(MILLIS,true));"
              + "   optional int32 n (INTEGER(32,false)); }"
              + " optional group stamps (MAP) { repeated group key_value {"
              + "   required binary key (STRING); optional int64 value (TIMESTAMP(MILLIS,false)); } }"
              + "}");

  private static final MessageType CUSTOMERS =
      MessageTypeParser.parseMessageType(
          "message customers { required int32 cust; optional binary name (STRING);"
              + " optional binary region (STRING); }");

  @TempDir static Path tmp;
  private TestNode node;
  private SparkSession spark;
  private Path ordersDir;
  private Path customersDir;
  private Path allFile;

  @BeforeAll
  void setUp() throws Exception {
    ordersDir = Files.createDirectories(tmp.resolve("lake/orders"));
    for (int f = 0; f < 2; f++) {
      writeOrders(ordersDir.resolve("part-" + f + ".parquet"), f * ROWS_PER_FILE, f);
    }
    customersDir = Files.createDirectories(tmp.resolve("lake/customers"));
    writeCustomers(customersDir.resolve("customers.parquet"));
    Path cold = Files.createDirectories(tmp.resolve("cold/orders"));
    try (Stream<Path> files = Files.list(ordersDir)) {
      for (Path p : files.toList()) {
        Files.copy(p, cold.resolve(p.getFileName()));
      }
    }
    Path all = Files.createDirectories(tmp.resolve("lake/all"));
    allFile =
        ParquetTestFiles.writeAllTypesWithParquetHadoop(
            all,
            "all.parquet",
            CompressionCodecName.SNAPPY,
            true,
            ParquetProperties.WriterVersion.PARQUET_1_0,
            1_500,
            96 * 1024,
            3);
    node =
        TestNode.start(tmp.resolve("quiver-data"), c -> c.withRowGroupsPerEndpoint(1))
            .mount("/lake", tmp.resolve("lake"))
            .mount("/cold", tmp.resolve("cold"))
            .createTable("s.orders", "/lake/orders")
            .createTable("s.customers", "/lake/customers")
            .createTable("s.cold", "/cold/orders")
            .createTable("t.all", "/lake/all");
    spark = LocalSpark.spark();
  }

  @AfterAll
  void tearDown() throws Exception {
    if (node != null) {
      node.close(); // fails on a server-side leak
    }
  }

  /**
   * A file of {@link #ROWS_PER_FILE} orders (ids from {@code firstId}, row groups of {@link
   * #ROWS_PER_GROUP}), the same for the same seed; also used by {@link
   * QuiverSparkShortCircuitTest}.
   */
  static void writeOrders(Path file, int firstId, long seed) throws IOException {
    Random r = new Random(seed);
    SimpleGroupFactory groups = new SimpleGroupFactory(ORDERS);
    long day0 = 19_723; // 2024-01-01
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(ORDERS)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupRowCountLimit(ROWS_PER_GROUP)
            .withPageRowCountLimit(400)
            .build()) {
      for (int i = 0; i < ROWS_PER_FILE; i++) {
        Group g = groups.newGroup();
        g.add("id", (long) (firstId + i));
        if (r.nextInt(10) > 0) {
          g.add("cust", r.nextInt(100));
        }
        if (r.nextInt(10) > 0) {
          g.add("status", Binary.fromString(STATUS[r.nextInt(STATUS.length)]));
        }
        if (r.nextInt(10) > 0) {
          g.add("total", (long) r.nextInt(2_000_000) - 100_000);
        }
        if (r.nextInt(10) > 0) {
          int k = r.nextInt(200);
          g.add("price", k == 0 ? Double.NaN : k == 1 ? -0.0 : r.nextGaussian() * 20);
        }
        if (r.nextInt(10) > 0) {
          g.add("weight", r.nextFloat());
        }
        if (r.nextInt(10) > 0) {
          g.add("day", (int) day0 + r.nextInt(60));
        }
        if (r.nextInt(10) > 0) {
          g.add("ts", 1_704_067_200_000_000L + (long) (r.nextDouble() * 60 * 86_400_000_000L));
        }
        if (r.nextInt(10) > 0) {
          g.add("ts_local", 1_704_067_200_000L + (long) (r.nextDouble() * 60 * 86_400_000L));
        }
        if (r.nextInt(10) > 0) {
          g.add("flag", r.nextBoolean());
        }
        if (r.nextInt(10) > 0) {
          g.add("small", r.nextInt(256) - 128);
        }
        if (r.nextInt(10) > 0) {
          g.add("u16", r.nextInt(65_536));
        }
        if (r.nextInt(10) > 0) {
          byte[] b = new byte[r.nextInt(6)];
          r.nextBytes(b);
          g.add("payload", Binary.fromConstantByteArray(b));
        }
        if (r.nextInt(10) > 0) {
          Group tags = g.addGroup("tags");
          for (int k = r.nextInt(4); k > 0; k--) {
            Group e = tags.addGroup("list");
            if (r.nextInt(5) > 0) {
              e.add("element", r.nextInt(50));
            }
          }
        }
        if (r.nextInt(10) > 0) {
          Group attrs = g.addGroup("attrs");
          int n = r.nextInt(3);
          for (int k = 0; k < n; k++) {
            Group kv = attrs.addGroup("key_value");
            kv.add("key", Binary.fromString("k" + k));
            if (r.nextInt(4) > 0) {
              kv.add("value", r.nextInt(1000));
            }
          }
        }
        if (r.nextInt(10) > 0) {
          Group point = g.addGroup("point");
          point.add("x", r.nextDouble());
          if (r.nextBoolean()) {
            point.add("label", Binary.fromString("p" + r.nextInt(10)));
          }
          if (r.nextBoolean()) {
            Group names = point.addGroup("names");
            for (int k = r.nextInt(3); k > 0; k--) {
              names.addGroup("list").add("element", Binary.fromString("n" + k));
            }
          }
        }
        if (r.nextInt(10) > 0) {
          Group bytes = g.addGroup("bytes");
          for (int k = r.nextInt(4); k > 0; k--) {
            Group e = bytes.addGroup("list");
            if (r.nextInt(5) > 0) {
              e.add("element", r.nextInt(256));
            }
          }
        }
        if (r.nextInt(10) > 0) {
          Group event = g.addGroup("event");
          if (r.nextInt(5) > 0) {
            event.add("at", 1_704_067_200_000L + r.nextInt(1_000_000_000));
          }
          if (r.nextInt(5) > 0) {
            event.add("n", r.nextInt()); // negative ints are uint32 values above 2^31
          }
        }
        if (r.nextInt(10) > 0) {
          Group stamps = g.addGroup("stamps");
          for (int k = r.nextInt(3); k > 0; k--) {
            Group kv = stamps.addGroup("key_value");
            kv.add("key", Binary.fromString("s" + k));
            if (r.nextInt(4) > 0) {
              kv.add("value", 1_704_067_200_000L + r.nextInt(1_000_000_000));
            }
          }
        }
        writer.write(g);
      }
    }
  }

  private static void writeCustomers(Path file) throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(CUSTOMERS);
    String[] regions = {"north", "south", "east", "west"};
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file))
            .withType(CUSTOMERS)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .build()) {
      for (int c = 0; c < 100; c++) {
        Group g = groups.newGroup();
        g.add("cust", c);
        g.add("name", Binary.fromString("customer " + c));
        if (c % 17 != 0) {
          g.add("region", Binary.fromString(regions[c % regions.length]));
        }
        writer.write(g);
      }
    }
  }

  private Dataset<Row> quiver(String tableOrPath) {
    return spark
        .read()
        .format("quiver")
        .option("server", "127.0.0.1:" + node.port())
        .load(tableOrPath);
  }

  private Dataset<Row> parquet(Path dir) {
    return spark.read().parquet(dir.toString());
  }

  private static String plan(Dataset<Row> df) {
    return df.queryExecution().executedPlan().toString();
  }

  @Test
  void readsTheSameRowsAsSparksParquetReader() {
    Dataset<Row> q = quiver("s.orders");
    Dataset<Row> p = parquet(ordersDir);
    assertEquals(p.schema().simpleString(), nonNullable(q.schema()).simpleString());
    assertEquals(2 * ROWS_PER_FILE / ROWS_PER_GROUP, q.rdd().getNumPartitions());
    assertEquals(LocalSpark.canonicalRows(p), LocalSpark.canonicalRows(q));
    // Columnar: the scan hands Spark columnar batches, no row conversion of its own.
    assertTrue(plan(q).contains("BatchScan"), plan(q));
    assertTrue(plan(q).contains("ColumnarToRow"), plan(q));
  }

  /** Spark's Parquet reader calls every column nullable; the node keeps REQUIRED as non-null. */
  private static StructType nonNullable(StructType s) {
    List<StructField> fields = new ArrayList<>();
    for (StructField f : s.fields()) {
      fields.add(new StructField(f.name(), f.dataType(), true, f.metadata()));
    }
    return new StructType(fields.toArray(new StructField[0]));
  }

  @Test
  void aNamespacePathReadsLikeItsTable() {
    Dataset<Row> byPath =
        spark
            .read()
            .format("quiver")
            .option("server", "127.0.0.1:" + node.port())
            .option("path", "/lake/customers")
            .load();
    assertEquals(LocalSpark.canonicalRows(parquet(customersDir)), LocalSpark.canonicalRows(byPath));
  }

  @Test
  void filtersGiveSparksAnswersAndThoseTheServerEvaluatesArePushed() {
    String[][] cases = {
      // {where, "pushed" if the whole condition goes to the server, else "kept"}
      {"id >= 2500 AND id < 3700", "pushed"},
      {"status = 'F' OR status IS NULL", "pushed"},
      {"status > 'O' AND status <> 'é'", "pushed"},
      {"cust IN (1, 5, 7) AND NOT (price > 10.5)", "pushed"},
      {"total <= 100.25 AND total > -50 AND weight > 0.5F", "pushed"},
      {
        "day BETWEEN DATE'2024-01-10' AND DATE'2024-01-12' OR ts > TIMESTAMP'2024-02-25 06:30:00'",
        "pushed"
      },
      {"ts_local <= TIMESTAMP_NTZ'2024-01-20 12:00:00.5'", "pushed"},
      {"price < 0 OR price = 0", "pushed"},
      {"flag AND u16 > 30000 OR small < -100 OR small IS NULL", "pushed"},
      {"NOT (cust <=> 3)", "pushed"},
      {"isnan(price) OR status LIKE 'F%'", "kept"},
      {"size(tags) > 1 AND point.x > 0.5", "kept"},
      {"payload = X''", "kept"},
      {"cust + 1 = 8 AND id < 1000", "kept"},
    };
    // The answers, as the ids each case keeps (ids are unique): one Spark job per reader.
    Dataset<Row> q = null;
    Dataset<Row> p = null;
    for (int i = 0; i < cases.length; i++) {
      String where = cases[i][0];
      Dataset<Row> qi = quiver("s.orders").where(where);
      String plan = plan(qi);
      if (cases[i][1].equals("pushed")) {
        assertTrue(plan.contains("filter={"), where + " was not pushed: " + plan);
        assertFalse(plan.contains("Filter "), where + " is evaluated by the server: " + plan);
      } else {
        assertTrue(plan.contains("Filter "), where + " must stay with Spark: " + plan);
      }
      Column label = functions.lit(where).as("case");
      qi = qi.select(label, functions.col("id"));
      Dataset<Row> pi = parquet(ordersDir).where(where).select(label, functions.col("id"));
      q = q == null ? qi : q.unionAll(qi);
      p = p == null ? pi : p.unionAll(pi);
    }
    List<String> expected = LocalSpark.canonicalRows(p);
    List<String> got = LocalSpark.canonicalRows(q);
    for (String[] c : cases) {
      String prefix = "{String:" + c[0] + ",";
      List<String> e = expected.stream().filter(r -> r.startsWith(prefix)).toList();
      assertEquals(e, got.stream().filter(r -> r.startsWith(prefix)).toList(), c[0]);
      assertFalse(e.isEmpty(), c[0] + " keeps no row: a weak case");
    }
    assertEquals(expected, got);
  }

  @Test
  void joinsAndAggregatesLikeSparksParquetReader() {
    Dataset<Row> q =
        quiver("s.orders")
            .where("day < DATE'2024-02-15'")
            .join(quiver("s.customers"), "cust")
            .groupBy("region")
            .agg(
                functions.sum("total"),
                functions.count("*"),
                functions.max("price"),
                functions.min("ts"),
                functions.countDistinct("status"));
    Dataset<Row> p =
        parquet(ordersDir)
            .where("day < DATE'2024-02-15'")
            .join(parquet(customersDir), "cust")
            .groupBy("region")
            .agg(
                functions.sum("total"),
                functions.count("*"),
                functions.max("price"),
                functions.min("ts"),
                functions.countDistinct("status"));
    List<String> rows = LocalSpark.canonicalRows(q);
    assertEquals(5, rows.size()); // four regions and null
    assertEquals(LocalSpark.canonicalRows(p), rows);
    // A count reads one narrow column; the batches' row counts are the answer.
    assertEquals(2L * ROWS_PER_FILE, quiver("s.orders").count());
    // A filter that rules out every row group plans no endpoint: no partition, no row.
    Dataset<Row> none = quiver("s.orders").where("id < 0");
    assertEquals(0, none.rdd().getNumPartitions());
    assertEquals(0, none.count());
  }

  /**
   * A cold table, a projection of 2 of 19 columns and a filter that keeps 1 of 10 row groups: the
   * node reads from storage exactly the 2 column chunks (plus {@code cust}, which the filter reads)
   * of that row group, and plans without the 9 others.
   */
  @Test
  void prunedColumnsAndRowGroupsAreNeverRead() throws Exception {
    JsonNode before = node.stats();
    List<Row> rows =
        quiver("s.cold").where("id < 1000 AND cust > 10").select("id", "price").collectAsList();
    JsonNode after = node.stats();
    assertEquals(parquet(ordersDir).where("id < 1000 AND cust > 10").count(), (long) rows.size());

    long units = delta(before, after, "/scans/units");
    long pruned = delta(before, after, "/scans/unitsPruned");
    assertTrue(units >= 10 && units % 10 == 0, "units " + units);
    assertEquals(units / 10 * 9, pruned, "9 of 10 row groups pruned in every plan");

    long expected = 0;
    try (ParquetFileReader reader =
        ParquetFileReader.open(new LocalInputFile(tmp.resolve("cold/orders/part-0.parquet")))) {
      BlockMetaData first = reader.getFooter().getBlocks().get(0);
      for (ColumnChunkMetaData chunk : first.getColumns()) {
        if (Set.of("id", "price", "cust").contains(chunk.getPath().toDotString())) {
          expected += chunk.getTotalSize();
        }
      }
    }
    assertEquals(expected, delta(before, after, "/storageBytesRead"));
    // One ranged read per chunk at most (adjacent chunks may be read together).
    long reads = delta(before, after, "/storageReads");
    assertTrue(reads >= 1 && reads <= 3, "storage reads " + reads);
  }

  private static long delta(JsonNode before, JsonNode after, String pointer) {
    return after.at(pointer).asLong() - before.at(pointer).asLong();
  }

  /**
   * Every primitive type Quiver serves: the columns Spark's Parquet reader reads equal it; the
   * others (times, nanosecond timestamps, decimal(45,3)) equal Arrow C++'s reading of the file,
   * converted as documented in {@link ArrowToSpark}.
   */
  @Test
  void everyPrimitiveType() {
    Dataset<Row> q = quiver("t.all");
    List<String> sparkReadable = new ArrayList<>();
    List<String> converted = new ArrayList<>();
    for (StructField f : q.schema().fields()) {
      String n = f.name();
      if (n.startsWith("time_") || n.startsWith("ts_ns_") || n.startsWith("dec45_")) {
        converted.add(n);
      } else {
        sparkReadable.add(n);
      }
    }
    assertEquals(12, converted.size());
    // Spark's reader with Quiver's schema (its inference refuses the file's TIME and NANOS
    // columns).
    StructType readable =
        new StructType(
            Stream.of(nonNullable(q.schema()).fields())
                .filter(f -> sparkReadable.contains(f.name()))
                .toArray(StructField[]::new));
    Dataset<Row> p = spark.read().schema(readable).parquet(allFile.toString());
    String[] cols = sparkReadable.toArray(new String[0]);
    assertEquals(
        LocalSpark.canonicalRows(p),
        LocalSpark.canonicalRows(
            q.select(cols[0], java.util.Arrays.copyOfRange(cols, 1, cols.length))));

    // The rest against Arrow C++, row by row (one file: Quiver's partitions keep its order).
    Table oracle = ArrowOracle.readParquet(allFile, converted);
    List<Row> got =
        q.select(converted.get(0), converted.subList(1, converted.size()).toArray(new String[0]))
            .collectAsList();
    assertEquals(oracle.rowCount(), got.size());
    for (int c = 0; c < converted.size(); c++) {
      String name = converted.get(c);
      List<Object> expected = oracle.column(name);
      for (int i = 0; i < got.size(); i++) {
        Object e = expected.get(i);
        Object g = got.get(i).get(c);
        assertEquals(sparkValue(name, e), g, name + " row " + i);
      }
    }
  }

  /** What Spark should show for Arrow C++'s value of a converted column. */
  private static Object sparkValue(String column, Object arrow) {
    if (arrow == null) {
      return null;
    }
    if (column.startsWith("dec45_")) {
      return ((BigDecimal) arrow).toPlainString();
    }
    if (column.startsWith("time_")) {
      // Spark's TIME is off by default: nanoseconds since midnight. Arrow Java gives time32(ms) as
      // LocalDateTime, time64(us|ns) as Long.
      if (arrow instanceof LocalDateTime t) {
        return t.toLocalTime().toNanoOfDay();
      }
      long v = (Long) arrow;
      return column.startsWith("time_us") ? v * 1_000L : v;
    }
    // ts_ns_utc: Long nanoseconds (TimeStampNanoTZVector); ts_ns_local: LocalDateTime.
    if (arrow instanceof Long nanos) {
      long micros = Math.floorDiv(nanos, 1_000L);
      return Instant.ofEpochSecond(
          Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }
    LocalDateTime t = (LocalDateTime) arrow;
    return t.withNano(t.getNano() / 1_000 * 1_000);
  }

  /** Time columns as Spark 4.1's TIME when the session enables it. */
  @Test
  void timeColumnsAreSparksTimeWhenEnabled() {
    spark.conf().set("spark.sql.timeType.enabled", "true");
    try {
      Dataset<Row> q = quiver("t.all").select("time_ms_req", "time_ns_opt");
      assertEquals("struct<time_ms_req:time(6),time_ns_opt:time(6)>", q.schema().simpleString());
      Row first = q.collectAsList().get(0);
      Table oracle = ArrowOracle.readParquet(allFile, List.of("time_ms_req"));
      LocalDateTime ms = (LocalDateTime) oracle.column("time_ms_req").get(0);
      assertEquals(ms.toLocalTime(), (LocalTime) first.get(0));
      // Pushed as a time literal: the server compares, Spark does not re-check.
      Dataset<Row> filtered = quiver("t.all").where("time_ms_req < TIME'06:00:00'");
      assertTrue(plan(filtered).contains("filter={"), plan(filtered));
      long expected =
          oracle.column("time_ms_req").stream()
              .filter(v -> ((LocalDateTime) v).toLocalTime().isBefore(LocalTime.of(6, 0)))
              .count();
      assertEquals(expected, filtered.count());
    } finally {
      spark.conf().unset("spark.sql.timeType.enabled");
    }
  }

  /**
   * The partition reader on its own, as an executor runs it: a partition whose first location is a
   * dead port is read from its second, live location (the {@code server} option is dead too).
   */
  @Test
  void aPartitionFailsOverToItsNextLocation() throws Exception {
    FlightInfo info;
    try (var client = io.quiver.client.QuiverClient.connect("127.0.0.1", node.port())) {
      info = client.info(io.quiver.client.QuiverClient.command("s.customers", null));
    }
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    String live = Location.forGrpcInsecure("127.0.0.1", node.port()).getUri().toString();
    QuiverPartition partition =
        new QuiverPartition(
            0,
            1,
            info.getEndpoints().get(0).getTicket().getBytes(),
            new String[] {"grpc+tcp://127.0.0.1:" + dead, live});
    assertEquals(List.of("127.0.0.1"), List.of(partition.preferredLocations()));
    // In a cluster the first location is the owner; the fall-backs are no locality hint.
    assertEquals(
        List.of("10.0.0.1"),
        List.of(
            new QuiverPartition(
                    0,
                    1,
                    new byte[0],
                    new String[] {"grpc+tcp://10.0.0.1:8815", "grpc+tcp://10.0.0.2:8815"})
                .preferredLocations()));
    QuiverOptions options =
        QuiverOptions.parse(java.util.Map.of("path", "s.customers", "server", "127.0.0.1:" + dead));
    int rows = 0;
    try (QuiverPartitionReader reader =
        new QuiverPartitionReader(options, partition, List.of("region", "cust"))) {
      while (reader.next()) {
        ColumnarBatch b = reader.get();
        assertEquals(2, b.numCols());
        for (int i = 0; i < b.numRows(); i++) {
          assertEquals(rows + i, b.column(1).getInt(i));
        }
        rows += b.numRows();
      }
    }
    assertEquals(100, rows);
  }
}
