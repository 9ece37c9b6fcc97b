package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.protocol.Filter;
import io.quiver.protocol.ScanCommand;
import io.quiver.testing.ArrowAssertions;
import io.quiver.testing.ArrowOracle;
import io.quiver.testing.Table;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.arrow.flight.FlightDescriptor;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scan filters end to end: every case is run through Quiver (pruning + exact filtering) and through
 * DuckDB over the same Parquet file; the row ids must be the same, and the rows' values those Arrow
 * C++ reads for those ids. One server for the class (the cases only read).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FilterScanTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = 20_000;
  private static final int ROWS_PER_GROUP = 2_000;

  /** Cases whose right answer is no row at all. */
  private static final java.util.Set<String> EMPTY_ON_PURPOSE =
      java.util.Set.of("i32 = 2.5", "i32 > 100000000000000000000");

  private static final List<String> SENT = List.of("id", "s", "dec", "tags", "tsz");

  @TempDir static Path tmp;
  private Path file;
  private TestNode node;
  private Connection duck;
  private Table oracle;

  @BeforeAll
  void setUp() throws Exception {
    Path lake = Files.createDirectories(tmp.resolve("lake/t"));
    file = writeFile(lake.resolve("data.parquet"));
    node =
        TestNode.start(tmp.resolve("quiver-data"), c -> c.withBatchRows(512))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("f.t", "/lake/t");
    duck = DriverManager.getConnection("jdbc:duckdb:");
    oracle = ArrowOracle.readParquet(file, SENT);
  }

  @AfterAll
  void tearDown() throws Exception {
    duck.close();
    node.close(); // fails on a leak
  }

  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message t {"
              + " required int64 id;"
              + " optional int32 i32;"
              + " optional int32 u8 (INTEGER(8,false));"
              + " optional double f64;"
              + " optional int64 dec (DECIMAL(12,2));"
              + " optional binary s (STRING);"
              + " optional boolean b;"
              + " optional int32 d (DATE);"
              + " optional int64 ts (TIMESTAMP(MICROS,false));"
              + " optional int64 tsz (TIMESTAMP(MILLIS,true));"
              + " optional group tags (LIST) { repeated group list { optional int32 element; } }"
              + "}");

  private static final String[] WORDS = {"apple", "Apple", "banana", "é", "中文", "", "z", "b"};

  /** ids 0..ROWS-1 in order (so pruning on id works), the rest random with nulls. */
  private static Path writeFile(Path path) throws Exception {
    Random r = new Random(42);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(path))
            .withType(SCHEMA)
            .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.SNAPPY)
            .withRowGroupRowCountLimit(ROWS_PER_GROUP)
            .withPageRowCountLimit(700)
            .build()) {
      for (int id = 0; id < ROWS; id++) {
        Group g = groups.newGroup();
        g.add("id", (long) id);
        if (r.nextInt(10) > 0) {
          g.add("i32", r.nextInt(2001) - 1000);
        }
        if (r.nextInt(10) > 0) {
          g.add("u8", r.nextInt(256));
        }
        if (r.nextInt(10) > 0) {
          g.add("f64", r.nextInt(100) == 0 ? Double.NaN : r.nextGaussian() * 100);
        }
        if (r.nextInt(10) > 0) {
          g.add("dec", (long) (r.nextInt(2_000_001) - 1_000_000));
        }
        if (r.nextInt(10) > 0) {
          String w = WORDS[r.nextInt(WORDS.length)];
          g.add("s", Binary.fromString(r.nextBoolean() ? w : w + r.nextInt(10)));
        }
        if (r.nextInt(10) > 0) {
          g.add("b", r.nextBoolean());
        }
        if (r.nextInt(10) > 0) {
          g.add("d", 18_000 + r.nextInt(2_000));
        }
        if (r.nextInt(10) > 0) {
          g.add("ts", 1_600_000_000_000_000L + (long) (r.nextDouble() * 100_000_000_000_000L));
        }
        if (r.nextInt(10) > 0) {
          g.add("tsz", 1_600_000_000_000L + (long) (r.nextDouble() * 100_000_000_000L));
        }
        if (r.nextInt(10) > 0) {
          Group tags = g.addGroup("tags");
          int n = r.nextInt(4);
          for (int k = 0; k < n; k++) {
            Group element = tags.addGroup("list");
            if (r.nextInt(5) > 0) {
              element.add("element", r.nextInt(100));
            }
          }
        }
        writer.write(g);
      }
    }
    return path;
  }

  private JsonNode action(String type, Map<String, ?> body) {
    return node.action(type, body);
  }

  private FlightInfo plan(ScanCommand command) {
    return node.plan(command);
  }

  private Table read(FlightInfo info) throws Exception {
    return node.read(info);
  }

  private List<Integer> duckIds(String where) throws Exception {
    List<Integer> ids = new ArrayList<>();
    try (Statement st = duck.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT id FROM read_parquet('" + file + "') WHERE " + where + " ORDER BY id")) {
      while (rs.next()) {
        ids.add((int) rs.getLong(1));
      }
    }
    return ids;
  }

  private void assertSameAsDuckDb(Filter filter, String where) throws Exception {
    Table got = read(plan(ScanCommand.table("f.t").withColumns(SENT).withFilter(filter)));
    List<Integer> expectedIds = duckIds(where);
    List<Integer> gotIds = got.column("id").stream().map(v -> ((Number) v).intValue()).toList();
    if (!expectedIds.equals(gotIds)) {
      int i = 0;
      while (i < Math.min(expectedIds.size(), gotIds.size())
          && expectedIds.get(i).equals(gotIds.get(i))) {
        i++;
      }
      throw new AssertionError(
          "WHERE "
              + where
              + ": DuckDB kept "
              + expectedIds.size()
              + " rows, Quiver "
              + gotIds.size()
              + "; first difference at position "
              + i
              + ": DuckDB "
              + (i < expectedIds.size() ? "id " + expectedIds.get(i) : "nothing")
              + ", Quiver "
              + (i < gotIds.size() ? "id " + gotIds.get(i) : "nothing"));
    }
    assertTrue(
        expectedIds.size() > 0 || EMPTY_ON_PURPOSE.contains(where),
        "a case that keeps nothing proves little: " + where);
    ArrowAssertions.assertSameTable(oracle.rows(expectedIds), got);
  }

  @Test
  void comparisonsOnEveryTypeMatchDuckDb() throws Exception {
    assertSameAsDuckDb(Filter.gt("i32", 500), "i32 > 500");
    assertSameAsDuckDb(Filter.le("i32", -999), "i32 <= -999");
    assertSameAsDuckDb(Filter.ge("u8", 200), "u8 >= 200");
    assertSameAsDuckDb(Filter.gt("f64", 50.5), "f64 > 50.5");
    assertSameAsDuckDb(Filter.ne("f64", 0), "f64 <> 0");
    assertSameAsDuckDb(
        Filter.between("dec", new BigDecimal("-100.50"), new BigDecimal("2500.25")),
        "dec BETWEEN -100.50 AND 2500.25");
    assertSameAsDuckDb(Filter.eq("s", "apple"), "s = 'apple'");
    assertSameAsDuckDb(Filter.ge("s", "b"), "s >= 'b'");
    assertSameAsDuckDb(Filter.lt("s", "Z"), "s < 'Z'");
    assertSameAsDuckDb(Filter.gt("s", "é"), "s > 'é'");
    assertSameAsDuckDb(Filter.eq("b", true), "b = true");
    assertSameAsDuckDb(
        Filter.and(Filter.ge("d", "2020-01-01"), Filter.lt("d", "2021-01-01")),
        "d >= DATE '2020-01-01' AND d < DATE '2021-01-01'");
    assertSameAsDuckDb(
        Filter.gt("ts", "2021-06-01T12:00:00"), "ts > TIMESTAMP '2021-06-01 12:00:00'");
    assertSameAsDuckDb(
        Filter.le("tsz", "2021-06-01T12:00:00Z"), "tsz <= TIMESTAMPTZ '2021-06-01 12:00:00+00'");
  }

  @Test
  void inexactLiteralsKeepSqlMeaning() throws Exception {
    assertSameAsDuckDb(Filter.lt("i32", new BigDecimal("2.5")), "i32 < 2.5");
    assertSameAsDuckDb(Filter.eq("i32", new BigDecimal("2.5")), "i32 = 2.5");
    assertSameAsDuckDb(Filter.ge("i32", new BigDecimal("-2.5")), "i32 >= -2.5");
    assertSameAsDuckDb(Filter.lt("dec", new BigDecimal("10.005")), "dec < 10.005");
    assertSameAsDuckDb(Filter.gt("dec", new BigDecimal("10.005")), "dec > 10.005");
    assertSameAsDuckDb(
        Filter.gt("i32", new BigDecimal("100000000000000000000")), "i32 > 100000000000000000000");
    assertSameAsDuckDb(
        Filter.gt("i32", new BigDecimal("-100000000000000000000")), "i32 > -100000000000000000000");
  }

  @Test
  void nullsFollowThreeValuedLogic() throws Exception {
    assertSameAsDuckDb(
        Filter.or(Filter.eq("i32", 17), Filter.isNull("i32")), "i32 = 17 OR i32 IS NULL");
    assertSameAsDuckDb(Filter.not(Filter.lt("i32", 0)), "NOT (i32 < 0)");
    assertSameAsDuckDb(
        Filter.and(Filter.in("i32", 1, 2, 3, 400), Filter.not(Filter.eq("s", "apple"))),
        "i32 IN (1, 2, 3, 400) AND NOT (s = 'apple')");
    assertSameAsDuckDb(
        Filter.not(Filter.or(Filter.gt("i32", 0), Filter.isNull("s"))),
        "NOT (i32 > 0 OR s IS NULL)");
    assertSameAsDuckDb(Filter.isNull("tags"), "tags IS NULL");
    assertSameAsDuckDb(Filter.isNotNull("b"), "b IS NOT NULL");
    assertSameAsDuckDb(Filter.not(Filter.in("s", "banana", "中文")), "NOT (s IN ('banana', '中文'))");
  }

  @Test
  void statisticsPruneRowGroupsAndOnlyTheirChunksAreRead() throws Exception {
    action("cache-free", Map.of());
    ScanCommand command =
        ScanCommand.table("f.t")
            .withColumns(List.of("id", "i32"))
            .withFilter(Filter.between("id", 5000, 5199));
    JsonNode before = action("stats", Map.of());
    FlightInfo info = plan(command);
    assertEquals(ROWS_PER_GROUP, info.getRecords(), "estimate: the one row group kept");
    Table got = read(info);
    JsonNode after = action("stats", Map.of());
    assertEquals(200, got.rowCount());
    assertEquals(
        duckIds("id BETWEEN 5000 AND 5199"),
        got.column("id").stream().map(v -> ((Number) v).intValue()).toList());
    long units = ROWS / ROWS_PER_GROUP;
    assertEquals(units, after.at("/scans/units").asLong() - before.at("/scans/units").asLong());
    assertEquals(
        units - 1,
        after.at("/scans/unitsPruned").asLong() - before.at("/scans/unitsPruned").asLong());
    assertEquals(
        ROWS_PER_GROUP - 200,
        after.at("/scans/rowsFilteredOut").asLong() - before.at("/scans/rowsFilteredOut").asLong());
    long filteredBytes =
        after.path("storageBytesRead").asLong() - before.path("storageBytesRead").asLong();

    action("cache-free", Map.of());
    JsonNode beforeFull = action("stats", Map.of());
    assertEquals(
        ROWS, read(plan(ScanCommand.table("f.t").withColumns(List.of("id", "i32")))).rowCount());
    long fullBytes =
        action("stats", Map.of()).path("storageBytesRead").asLong()
            - beforeFull.path("storageBytesRead").asLong();
    // One row group of ten, plus the footer (cached after the first read).
    assertTrue(
        filteredBytes * 5 < fullBytes,
        "pruned scan read " + filteredBytes + " bytes, full scan " + fullBytes);
  }

  @Test
  void pruneOnlyLeavesRowFilteringToTheClient() throws Exception {
    Filter filter = Filter.between("id", 5000, 5199);
    Table got =
        read(
            plan(
                ScanCommand.table("f.t")
                    .withColumns(List.of("id"))
                    .withFilter(filter)
                    .pruneOnly()));
    assertEquals(ROWS_PER_GROUP, got.rowCount(), "the whole row group that may match");
    assertTrue(got.column("id").containsAll(List.of(5000L, 5199L)));
  }

  @Test
  void aFilterThatMatchesNothingPlansNoEndpoints() throws Exception {
    FlightInfo info = plan(ScanCommand.table("f.t").withFilter(Filter.lt("id", -1)));
    assertEquals(0, info.getEndpoints().size());
    assertEquals(0, info.getRecords());
  }

  private FlightRuntimeException refused(String commandJson) {
    return assertThrows(
        FlightRuntimeException.class,
        () ->
            read(
                node.client()
                    .getInfo(
                        FlightDescriptor.command(commandJson.getBytes(StandardCharsets.UTF_8)))));
  }

  @Test
  void badFiltersAreInvalidArgumentsNamingWhatIsWrong() {
    FlightRuntimeException e =
        refused("{\"table\":\"f.t\",\"filter\":{\"op\":\"=\",\"column\":\"nope\",\"value\":1}}");
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("Unknown column 'nope'"), e.getMessage());

    e =
        refused(
            "{\"table\":\"f.t\",\"filter\":{\"op\":\"=\",\"column\":\"i32\",\"value\":\"abc\"}}");
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(
        e.getMessage().contains("'i32'") && e.getMessage().contains("number"), e.getMessage());

    e =
        refused(
            "{\"table\":\"f.t\",\"filter\":{\"op\":\"<\",\"column\":\"d\",\"value\":\"2020-13-45\"}}");
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("'d'"), e.getMessage());

    e = refused("{\"table\":\"f.t\",\"filter\":{\"op\":\"=\",\"column\":\"tags\",\"value\":1}}");
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("is_null"), e.getMessage());

    e = refused("{\"table\":\"f.t\",\"filter\":{\"op\":\"~\",\"column\":\"i32\",\"value\":1}}");
    assertEquals(FlightStatusCode.INVALID_ARGUMENT, e.status().code());
    assertTrue(e.getMessage().contains("Unknown filter operator '~'"), e.getMessage());
  }
}
