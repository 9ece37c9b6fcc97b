package io.quiver.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.client.QuiverClient;
import io.quiver.server.QuiverServer;
import io.quiver.storage.Location;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.calcite.jdbc.CalciteConnection;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The driver against a real node: every query runs through {@code jdbc:quiver} and through DuckDB
 * over the same Parquet files, and the answers must be the same. Tables: {@code t.x} (mount {@code
 * /a}: two files of 10,000 rows, row groups of 2,000, {@code id} sorted) and {@code u.y} (mount
 * {@code /b}: 10 rows keyed by {@code k}). One node for the class: the cases only read, and each
 * case opens its own connection (closing it fails on an Arrow leak).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QuiverDriverTest {
  private static final int ROWS = 20_000;
  private static final int ROWS_PER_GROUP = 2_000;
  private static final int FILES = 2;
  private static final String[] FLAGS = {"A", "B", "C", "R"};
  private static final String[] WORDS = {"apple", "Apple", "banana", "é", "中文", "", "z", "b"};

  @TempDir static Path tmp;
  private QuiverServer server;
  private QuiverClient admin;
  private Connection duck;
  private Path xDir;
  private Path yFile;
  private String url;

  @BeforeAll
  void setUp() throws Exception {
    xDir = Files.createDirectories(tmp.resolve("a/x"));
    writeX(xDir);
    Path yDir = Files.createDirectories(tmp.resolve("b/y"));
    yFile = writeY(yDir.resolve("y.parquet"));
    server =
        QuiverServer.start(
            QuiverServer.Config.defaults()
                .withSecurity(
                    io.quiver.server.security.SecurityConfig.none()
                        .withAllowLocal(
                            java.util.List.of(
                                java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))))
                .withPort(0)
                .withDataDir(tmp.resolve("quiver-data"))
                .withMemory(256L << 20)
                .withBatchRows(1024));
    admin = QuiverClient.connect("127.0.0.1", server.port());
    admin.mount("/a", Location.ofLocalPath(tmp.resolve("a")).toString(), Map.of());
    admin.mount("/b", Location.ofLocalPath(tmp.resolve("b")).toString(), Map.of());
    admin.createTable("t.x", "/a/x", null);
    admin.createTable("u.y", "/b/y", null);
    duck = DriverManager.getConnection("jdbc:duckdb:");
    url = "jdbc:quiver://127.0.0.1:" + server.port();
  }

  @AfterAll
  void tearDown() throws Exception {
    if (duck != null) {
      duck.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (server != null) {
      server.close(); // fails on a leak
    }
  }

  private static final MessageType X =
      MessageTypeParser.parseMessageType(
          "message x {"
              + " required int64 id;"
              + " optional int32 i;"
              + " optional int64 big;"
              + " optional double d;"
              + " optional int64 amount (DECIMAL(12,2));"
              + " optional binary s (STRING);"
              + " optional binary flag (STRING);"
              + " optional boolean b;"
              + " optional int32 dt (DATE);"
              + " optional int64 ts (TIMESTAMP(MILLIS,false));"
              + " optional int32 k;"
              + " optional group tags (LIST) { repeated group list { optional int32 element; } }"
              + "}");

  /** {@code id} 0..ROWS-1 in order over FILES files; the rest random, about 10 % null. */
  private static void writeX(Path dir) throws Exception {
    Random r = new Random(7);
    SimpleGroupFactory groups = new SimpleGroupFactory(X);
    int perFile = ROWS / FILES;
    for (int f = 0; f < FILES; f++) {
      try (ParquetWriter<Group> writer =
          ExampleParquetWriter.builder(new LocalOutputFile(dir.resolve("part-" + f + ".parquet")))
              .withType(X)
              .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
              .withCompressionCodec(CompressionCodecName.SNAPPY)
              .withRowGroupRowCountLimit(ROWS_PER_GROUP)
              .withPageRowCountLimit(500)
              .build()) {
        for (int id = f * perFile; id < (f + 1) * perFile; id++) {
          Group g = groups.newGroup();
          g.add("id", (long) id);
          if (r.nextInt(10) > 0) {
            g.add("i", r.nextInt(2001) - 1000);
          }
          if (r.nextInt(10) > 0) {
            g.add("big", r.nextLong() >> 8);
          }
          if (r.nextInt(10) > 0) {
            g.add("d", Math.round(r.nextGaussian() * 1e6) / 1e3);
          }
          if (r.nextInt(10) > 0) {
            g.add("amount", (long) (r.nextInt(2_000_001) - 1_000_000));
          }
          if (r.nextInt(10) > 0) {
            String w = WORDS[r.nextInt(WORDS.length)];
            g.add("s", Binary.fromString(r.nextBoolean() ? w : w + r.nextInt(10)));
          }
          if (r.nextInt(20) > 0) {
            g.add("flag", Binary.fromString(FLAGS[r.nextInt(FLAGS.length)]));
          }
          if (r.nextInt(10) > 0) {
            g.add("b", r.nextBoolean());
          }
          if (r.nextInt(10) > 0) {
            g.add("dt", 18_000 + r.nextInt(2_000));
          }
          if (r.nextInt(10) > 0) {
            g.add("ts", 1_600_000_000_000L + (long) (r.nextDouble() * 100_000_000_000L));
          }
          if (r.nextInt(10) > 0) {
            g.add("k", r.nextInt(12)); // 10 and 11 have no match in u.y
          }
          if (r.nextInt(10) > 0) {
            Group tags = g.addGroup("tags");
            for (int n = r.nextInt(3); n > 0; n--) {
              tags.addGroup("list").add("element", r.nextInt(100));
            }
          }
          writer.write(g);
        }
      }
    }
  }

  private static Path writeY(Path file) throws Exception {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message y { required int32 k; optional binary name (STRING); }");
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(schema).build()) {
      for (int k = 0; k < 10; k++) {
        Group g = groups.newGroup().append("k", k);
        if (k != 3) {
          g.add("name", Binary.fromString("name-" + (k % 4)));
        }
        writer.write(g);
      }
    }
    return file;
  }

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(url);
  }

  private JsonNode stats() {
    return admin.stats();
  }

  // ---------------------------------------------------------------- results against DuckDB

  /** Queries with {x} and {y} for the two tables; each engine fills in its own names. */
  static Stream<String> queries() {
    return Stream.of(
        "select flag, count(*) from {x} group by flag order by flag nulls first",
        "select count(*) from {x}",
        "select id, i, big, d, amount, s, flag, b, dt, ts from {x} where id between 1995 and 2010"
            + " order by id",
        "select count(*), count(i), sum(i), min(i), max(big), sum(amount), min(amount), max(s), min(dt),"
            + " max(ts), sum(case when b then 1 else 0 end) from {x}",
        "select count(*) from {x} where i <> 5",
        "select count(*) from {x} where i is null",
        "select count(*), sum(i) from {x} where not (i > 0)",
        "select count(*) from {x} where s in ('apple', 'z', 'é')",
        "select count(*) from {x} where s = '中文' or s > '中'",
        "select count(*) from {x} where b",
        "select count(*) from {x} where not b or b is null",
        "select count(*) from {x} where flag = 'B' and s is not null and i < 0",
        "select count(*) from {x} where i = 17 or i is null",
        "select count(*) from {x} where amount between -100.50 and 2500.25",
        "select count(*) from {x} where d > 50.5 and upper(s) = 'APPLE'",
        "select lpad(flag, 3, '*') as f, count(*) from {x} where flag is not null"
            + " group by lpad(flag, 3, '*') order by f",
        "select count(*) from {x} where dt >= date '2020-01-01' and dt < date '2021-01-01'",
        "select count(*) from {x} where ts > timestamp '2021-06-01 12:00:00'",
        "select id, d from {x} where d is not null order by d desc, id limit 7",
        "select flag, sum(i) as total, count(distinct k) from {x} where id >= 5000"
            + " group by flag having count(*) > 100 order by total desc nulls last, flag",
        "select s, count(*) as n from {x} group by s order by n desc, s nulls first limit 5",
        "select y.name, count(*) as n, sum(x.i) from {x} as x join {y} as y on x.k = y.k"
            + " group by y.name order by y.name nulls first",
        "select y.k, y.name, count(x.id) from {y} as y left join {x} as x on x.k = y.k and"
            + " x.id < 100 group by y.k, y.name order by y.k");
  }

  @ParameterizedTest
  @MethodSource("queries")
  void sameAnswersAsDuckDb(String query) throws Exception {
    List<List<Object>> expected;
    try (Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery(duckSql(query))) {
      expected = rows(rs);
    }
    List<List<Object>> got;
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(quiverSql(query))) {
      got = rows(rs);
    }
    if (!query.contains("order by")) {
      expected.sort(Comparator.comparing(Object::toString));
      got.sort(Comparator.comparing(Object::toString));
    }
    assertFalse(expected.isEmpty());
    assertEquals(expected, got, query);
  }

  private static String quiverSql(String query) {
    return query.replace("{x}", "t.x").replace("{y}", "u.y");
  }

  private String duckSql(String query) {
    return query
        .replace("{x}", "read_parquet('" + xDir + "/*.parquet')")
        .replace("{y}", "read_parquet('" + yFile + "')");
  }

  private static List<List<Object>> rows(ResultSet rs) throws SQLException {
    int n = rs.getMetaData().getColumnCount();
    List<List<Object>> out = new ArrayList<>();
    while (rs.next()) {
      List<Object> row = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        row.add(normalize(rs.getObject(i)));
      }
      out.add(row);
    }
    return out;
  }

  /** One form per value across both drivers: numbers as decimals (doubles to 12 digits). */
  private static Object normalize(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Double || v instanceof Float) {
      return new BigDecimal(((Number) v).doubleValue())
          .round(new MathContext(12))
          .stripTrailingZeros();
    }
    if (v instanceof BigDecimal d) {
      return d.stripTrailingZeros();
    }
    if (v instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    if (v instanceof Number n) {
      return BigDecimal.valueOf(n.longValue());
    }
    if (v instanceof java.sql.Timestamp t) {
      return t.toLocalDateTime();
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate();
    }
    if (v instanceof LocalDate || v instanceof LocalDateTime) {
      return v;
    }
    return v.toString();
  }

  @Test
  void preparedStatementParametersArePushedDown() throws Exception {
    String sql = "select count(*), sum(i), min(s) from {x} where id >= ? and id < ? and flag = ?";
    List<List<Object>> expected;
    try (PreparedStatement ps = duck.prepareStatement(duckSql(sql))) {
      ps.setLong(1, 4000);
      ps.setLong(2, 4500);
      ps.setString(3, "A");
      try (ResultSet rs = ps.executeQuery()) {
        expected = rows(rs);
      }
    }
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement(quiverSql(sql))) {
      for (int run = 0; run < 2; run++) {
        ps.setLong(1, 4000);
        ps.setLong(2, 4500);
        ps.setString(3, "A");
        JsonNode before = stats();
        try (ResultSet rs = ps.executeQuery()) {
          assertEquals(expected, rows(rs));
        }
        // 4000..4499 is in one of the 10 row groups: the others were pruned by the node.
        assertEquals(9, pruned(before, stats()), "run " + run);
      }
      ps.setLong(1, 0);
      ps.setLong(2, 20_000);
      ps.setString(3, "B");
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next());
        assertTrue(rs.getLong(1) > 1000);
      }
    }
  }

  private static long pruned(JsonNode before, JsonNode after) {
    return after.at("/scans/unitsPruned").asLong() - before.at("/scans/unitsPruned").asLong();
  }

  // ---------------------------------------------------------------- push-down

  private static String explain(Connection c, String sql) throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("explain plan for " + sql)) {
      while (rs.next()) {
        plan.append(rs.getString(1));
      }
    }
    return plan.toString();
  }

  @Test
  void explainShowsProjectionAndFiltersInTheScan() throws Exception {
    try (Connection c = connect()) {
      String plan = explain(c, "select flag, count(*) from t.x where id < 100 group by flag");
      assertTrue(
          plan.contains(
              "BindableTableScan(table=[[t, x]], filters=[[<($0, 100)]], projects=[[6]])"),
          plan);
      assertFalse(plan.contains("Filter"), "the filter is in the scan, not above it:\n" + plan);

      String two = explain(c, "select s, d from t.x where flag = 'A' and i between 1 and 9");
      assertTrue(two.contains("BindableTableScan(table=[[t, x]], filters=[[AND("), two);
      assertTrue(two.contains("projects=[[5, 3]]"), two);
      assertFalse(two.contains("Filter"), two);

      // COUNT(*) reads one cheap column (id), not the whole table.
      String count = explain(c, "select count(*) from t.x");
      assertTrue(count.contains("BindableTableScan(table=[[t, x]], projects=[[0]])"), count);
      String countWhere = explain(c, "select count(*) from t.x where flag = 'A'");
      assertTrue(
          countWhere.contains("BindableTableScan(table=[[t, x]], filters=[[=($6, 'A')]]"),
          countWhere);
    }
  }

  @Test
  void selectiveFilterOnSortedColumnPrunesRowGroups() throws Exception {
    admin.action("cache-free", Map.of("table", "t.x"));
    long fileBytes = 0;
    try (var files = Files.list(xDir)) {
      for (Path f : files.toList()) {
        fileBytes += Files.size(f);
      }
    }
    JsonNode before = stats();
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("select count(*), sum(i) from t.x where id < 100")) {
      assertTrue(rs.next());
      assertEquals(100, rs.getLong(1));
    }
    JsonNode after = stats();
    assertEquals(ROWS / ROWS_PER_GROUP - 1, pruned(before, after));
    long read = after.path("storageBytesRead").asLong() - before.path("storageBytesRead").asLong();
    assertTrue(read > 0, "the kept row group was read from storage");
    assertTrue(
        read < fileBytes / 5,
        "read " + read + " bytes of " + fileBytes + ": only one row group of two columns");

    // A conjunct Quiver cannot evaluate (a function) stays with Calcite; the others still prune.
    JsonNode beforePartial = stats();
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("select count(*) from t.x where id < 100 and upper(s) = 'APPLE'")) {
      assertTrue(rs.next());
      assertTrue(rs.getLong(1) > 0 && rs.getLong(1) < 100);
    }
    assertEquals(ROWS / ROWS_PER_GROUP - 1, pruned(beforePartial, stats()));
  }

  // ---------------------------------------------------------------- types, metadata, errors

  @Test
  void valuesHaveTheirSqlTypes() throws Exception {
    try (Connection c = connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select id, i, big, d, amount, s, b, dt, ts, tags from t.x where id = 1")) {
      ResultSetMetaData md = rs.getMetaData();
      int[] types = {
        Types.BIGINT,
        Types.INTEGER,
        Types.BIGINT,
        Types.DOUBLE,
        Types.DECIMAL,
        Types.VARCHAR,
        Types.BOOLEAN,
        Types.DATE,
        Types.TIMESTAMP,
        Types.ARRAY
      };
      for (int i = 0; i < types.length; i++) {
        assertEquals(types[i], md.getColumnType(i + 1), md.getColumnName(i + 1));
      }
      assertEquals(12, md.getPrecision(5));
      assertEquals(2, md.getScale(5));
      assertTrue(rs.next());
      assertEquals(1L, rs.getLong("id"));
      try (Statement ds = duck.createStatement();
          ResultSet expected =
              ds.executeQuery(
                  "select tags, dt, ts from read_parquet('" + xDir + "/*.parquet') where id = 1")) {
        assertTrue(expected.next());
        Object duckTags = expected.getObject(1);
        if (duckTags == null) {
          assertEquals(null, rs.getObject("tags"));
        } else {
          Object[] want = (Object[]) expected.getArray(1).getArray();
          Object[] have = (Object[]) rs.getArray("tags").getArray();
          assertEquals(List.of(want), List.of(have));
        }
        assertEquals(expected.getObject(2) == null, rs.getDate("dt") == null);
      }
      assertFalse(rs.next());
    }
  }

  @Test
  void databaseMetaDataListsSchemasTablesAndColumns() throws Exception {
    try (Connection c = connect()) {
      DatabaseMetaData md = c.getMetaData();
      assertEquals("Quiver JDBC Driver", md.getDriverName());
      List<String> schemas = new ArrayList<>();
      try (ResultSet rs = md.getSchemas()) {
        while (rs.next()) {
          schemas.add(rs.getString("TABLE_SCHEM"));
        }
      }
      assertTrue(schemas.containsAll(List.of("t", "u")), schemas.toString());
      List<String> tables = new ArrayList<>();
      try (ResultSet rs = md.getTables(null, null, "%", null)) {
        while (rs.next()) {
          tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
        }
      }
      assertTrue(tables.containsAll(List.of("t.x", "u.y")), tables.toString());
      List<String> columns = new ArrayList<>();
      try (ResultSet rs = md.getColumns(null, "t", "x", "%")) {
        while (rs.next()) {
          columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getInt("DATA_TYPE"));
          if (rs.getString("COLUMN_NAME").equals("amount")) {
            assertEquals(12, rs.getInt("COLUMN_SIZE"));
            assertEquals(2, rs.getInt("DECIMAL_DIGITS"));
          }
          if (rs.getString("COLUMN_NAME").equals("id")) {
            assertEquals(DatabaseMetaData.columnNoNulls, rs.getInt("NULLABLE"));
          }
        }
      }
      assertEquals(
          List.of(
              "id:" + Types.BIGINT,
              "i:" + Types.INTEGER,
              "big:" + Types.BIGINT,
              "d:" + Types.DOUBLE,
              "amount:" + Types.DECIMAL,
              "s:" + Types.VARCHAR,
              "flag:" + Types.VARCHAR,
              "b:" + Types.BOOLEAN,
              "dt:" + Types.DATE,
              "ts:" + Types.TIMESTAMP,
              "k:" + Types.INTEGER,
              "tags:" + Types.ARRAY),
          columns);
    }
  }

  @Test
  void errorsNamePositionsAndTables() throws Exception {
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      SQLException syntax =
          assertThrows(SQLException.class, () -> st.executeQuery("select id,\nfrom t.x"));
      assertTrue(syntax.getMessage().contains("line 2, column 1"), syntax.getMessage());
      SQLException table =
          assertThrows(SQLException.class, () -> st.executeQuery("select * from t.nope"));
      assertTrue(
          table.getMessage().contains("'nope' not found")
              && table.getMessage().contains("line 1, column 15"),
          table.getMessage());
      SQLException column =
          assertThrows(SQLException.class, () -> st.executeQuery("select nope from t.x"));
      assertTrue(column.getMessage().contains("Column 'nope' not found"), column.getMessage());
      // The connection still works.
      try (ResultSet rs = st.executeQuery("select count(*) from u.y")) {
        assertTrue(rs.next());
        assertEquals(10, rs.getLong(1));
      }
    }
  }

  @Test
  void badUrlsAndUnreachableNodesFailClearly() throws Exception {
    SQLException option =
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "?paralelism=2"));
    assertTrue(option.getMessage().contains("Unknown option 'paralelism'"), option.getMessage());
    for (String fixed : List.of("lex=MYSQL", "caseSensitive=true", "fun=oracle")) {
      SQLException e =
          assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "?" + fixed));
      assertTrue(e.getMessage().contains("fixed by Quiver's SQL dialect"), e.getMessage());
    }
    SQLException down =
        assertThrows(
            SQLException.class, () -> DriverManager.getConnection("jdbc:quiver://127.0.0.1:1"));
    assertTrue(
        down.getMessage().startsWith("Cannot reach a Quiver node at 127.0.0.1:1"),
        down.getMessage());
    try (Connection c =
        DriverManager.getConnection(url + "?parallelism=1&metadataTtl=0&maxMemory=64m")) {
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("select count(*) from t.x where k = 3")) {
        assertTrue(rs.next());
      }
    }
  }

  @Test
  void aScanThatFailsOnTheNodeNamesTheTable() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("a/gone"));
    writeY(dir.resolve("g.parquet"));
    admin.createTable("t.gone", "/a/gone", null);
    try (Connection c = connect();
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("select count(*) from t.gone")) {
        assertTrue(rs.next());
        assertEquals(10, rs.getLong(1));
      }
      admin.dropTable("t.gone");
      // The connection still has the table's schema (metadataTtl); the node has no such table.
      SQLException e =
          assertThrows(SQLException.class, () -> st.executeQuery("select sum(k) from t.gone"));
      assertTrue(e.getMessage().contains("Scan of t.gone failed: NOT_FOUND"), e.getMessage());
    }
  }

  @Test
  void driverIsFoundThroughServiceLoader() {
    boolean found = false;
    for (Driver d : ServiceLoader.load(Driver.class)) {
      found |= d instanceof QuiverDriver;
    }
    assertTrue(found);
  }

  // ---------------------------------------------------------------- stopping early

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void limitAndEarlyCloseStopTheScanWithoutLeaks() throws Exception {
    try (Connection c = DriverManager.getConnection(url + "?parallelism=4")) {
      for (int run = 0; run < 3; run++) {
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("select * from t.x limit 3")) {
          int n = 0;
          while (rs.next()) {
            n++;
          }
          assertEquals(3, n);
        }
        // Closing the result set closed the scan (its readers stopped reading the other rows).
        assertEquals(0, QuiverDriver.node(c.unwrap(CalciteConnection.class)).openScans());
      }
      // A result set left open after one row: closing the connection stops its readers.
      Statement st = c.createStatement();
      ResultSet rs = st.executeQuery("select id, s, tags from t.x");
      assertTrue(rs.next());
      assertNotNull(rs.getObject(1));
      assertEquals(1, QuiverDriver.node(c.unwrap(CalciteConnection.class)).openScans());
    } // close() fails on a leaked buffer or readers that do not stop
  }
}
