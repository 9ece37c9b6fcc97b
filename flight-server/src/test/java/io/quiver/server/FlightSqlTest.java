package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
 * Flight SQL through Apache Arrow's Flight SQL JDBC driver (a client no one here wrote), every
 * result compared with DuckDB running the same SQL over the same Parquet files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlightSqlTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ROWS = 40_000;
  private static final int ROWS_PER_GROUP = 4_000;

  @TempDir static Path tmp;
  private Path lineitem;
  private Path orders;
  private TestNode node;
  private Connection sql;
  private Connection duck;

  private static final MessageType LINEITEM =
      MessageTypeParser.parseMessageType(
          "message lineitem {"
              + " required int64 l_orderkey;"
              + " required int64 l_quantity (DECIMAL(12,2));"
              + " required int64 l_extendedprice (DECIMAL(12,2));"
              + " required int64 l_discount (DECIMAL(12,2));"
              + " required int64 l_tax (DECIMAL(12,2));"
              + " required binary l_returnflag (STRING);"
              + " required binary l_linestatus (STRING);"
              + " required int32 l_shipdate (DATE);"
              + " optional binary l_comment (STRING);"
              + " optional double l_score;"
              + "}");

  private static final MessageType ORDERS =
      MessageTypeParser.parseMessageType(
          "message orders {"
              + " required int64 o_orderkey;"
              + " optional binary o_orderpriority (STRING);"
              + " optional boolean o_urgent;"
              + " optional int64 o_ts (TIMESTAMP(MICROS,false));"
              + "}");

  @BeforeAll
  void setUp() throws Exception {
    lineitem = writeLineitem(Files.createDirectories(tmp.resolve("lake/lineitem")));
    orders = writeOrders(Files.createDirectories(tmp.resolve("other/orders")));
    node =
        TestNode.start(tmp.resolve("quiver-data"))
            .mount("/lake", tmp.resolve("lake"))
            .mount("/other", tmp.resolve("other"))
            .createTable("tpch.lineitem", "/lake/lineitem")
            .createTable("sales.orders", "/other/orders");
    sql =
        DriverManager.getConnection(
            "jdbc:arrow-flight-sql://127.0.0.1:" + node.port() + "/?useEncryption=false");
    duck = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement st = duck.createStatement()) {
      st.execute("CREATE SCHEMA tpch");
      st.execute("CREATE SCHEMA sales");
      st.execute("CREATE VIEW tpch.lineitem AS SELECT * FROM read_parquet('" + lineitem + "')");
      st.execute("CREATE VIEW sales.orders AS SELECT * FROM read_parquet('" + orders + "')");
    }
  }

  @AfterAll
  void tearDown() throws Exception {
    sql.close();
    duck.close();
    node.close(); // fails on a leak
  }

  private JsonNode action(String type, Map<String, ?> body) {
    return node.action(type, body);
  }

  /** Sorted by ship date, so a date range selects a few row groups. */
  static Path writeLineitem(Path dir) throws Exception {
    Path file = dir.resolve("part-0.parquet");
    Random r = new Random(7);
    SimpleGroupFactory groups = new SimpleGroupFactory(LINEITEM);
    String[] flags = {"A", "N", "R"};
    String[] status = {"F", "O"};
    try (ParquetWriter<Group> w = writer(file, LINEITEM)) {
      for (int i = 0; i < ROWS; i++) {
        Group g = groups.newGroup();
        g.add("l_orderkey", (long) r.nextInt(5_000));
        g.add("l_quantity", (long) (100 + r.nextInt(5_000)));
        g.add("l_extendedprice", (long) (10_000 + r.nextInt(10_000_000)));
        g.add("l_discount", (long) r.nextInt(11));
        g.add("l_tax", (long) r.nextInt(9));
        g.add("l_returnflag", Binary.fromString(flags[r.nextInt(3)]));
        g.add("l_linestatus", Binary.fromString(status[r.nextInt(2)]));
        g.add("l_shipdate", 8_036 + (int) ((long) i * 2_500 / ROWS)); // 1992-01-01 onwards
        if (r.nextInt(5) > 0) {
          g.add("l_comment", Binary.fromString("c" + r.nextInt(100)));
        }
        if (r.nextInt(5) > 0) {
          g.add("l_score", r.nextGaussian());
        }
        w.write(g);
      }
    }
    return file;
  }

  static Path writeOrders(Path dir) throws Exception {
    Path file = dir.resolve("orders.parquet");
    Random r = new Random(11);
    SimpleGroupFactory groups = new SimpleGroupFactory(ORDERS);
    String[] priorities = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"};
    try (ParquetWriter<Group> w = writer(file, ORDERS)) {
      for (int i = 0; i < 5_000; i++) {
        Group g = groups.newGroup();
        g.add("o_orderkey", (long) i);
        if (r.nextInt(10) > 0) {
          g.add("o_orderpriority", Binary.fromString(priorities[r.nextInt(priorities.length)]));
        }
        if (r.nextInt(10) > 0) {
          g.add("o_urgent", r.nextBoolean());
        }
        if (r.nextInt(10) > 0) {
          g.add("o_ts", 700_000_000_000_000L + r.nextInt(1_000_000) * 1_000_000L);
        }
        w.write(g);
      }
    }
    return file;
  }

  private static ParquetWriter<Group> writer(Path file, MessageType schema) throws Exception {
    return ExampleParquetWriter.builder(new LocalOutputFile(file))
        .withType(schema)
        .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
        .withCompressionCodec(CompressionCodecName.SNAPPY)
        .withRowGroupRowCountLimit(ROWS_PER_GROUP)
        .build();
  }

  /** The rows of a result, each cell normalized so that both engines' answers compare. */
  private static List<List<String>> rows(ResultSet rs) throws SQLException {
    List<List<String>> out = new ArrayList<>();
    int n = rs.getMetaData().getColumnCount();
    while (rs.next()) {
      List<String> row = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        Object v = rs.getObject(i);
        row.add(normalize(v));
      }
      out.add(row);
    }
    return out;
  }

  private static String normalize(Object v) {
    if (v == null) {
      return "NULL";
    }
    if (v instanceof Number num) {
      BigDecimal d = new BigDecimal(num.toString());
      return d.round(new MathContext(12)).stripTrailingZeros().toPlainString();
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate().toString();
    }
    if (v instanceof java.sql.Timestamp t) {
      return t.toLocalDateTime().toString();
    }
    if (v instanceof java.time.LocalDate || v instanceof java.time.LocalDateTime) {
      return v.toString();
    }
    return v.toString();
  }

  private List<List<String>> quiver(String query) throws SQLException {
    try (Statement st = sql.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      return rows(rs);
    }
  }

  private List<List<String>> duckdb(String query) throws SQLException {
    try (Statement st = duck.createStatement();
        ResultSet rs = st.executeQuery(query)) {
      return rows(rs);
    }
  }

  private void assertSameAsDuckDb(String query) throws SQLException {
    List<List<String>> expected = duckdb(query);
    assertTrue(!expected.isEmpty(), "a query with no rows proves little: " + query);
    assertEquals(expected, quiver(query), query);
  }

  static final String Q1 =
      "select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty,"
          + " sum(l_extendedprice) as sum_base_price,"
          + " sum(l_extendedprice * (1 - l_discount)) as sum_disc_price,"
          + " sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge,"
          + " avg(l_quantity) as avg_qty, avg(l_extendedprice) as avg_price,"
          + " avg(l_discount) as avg_disc, count(*) as count_order"
          + " from tpch.lineitem"
          + " where l_shipdate <= date '1998-12-01' - interval '90' day"
          + " group by l_returnflag, l_linestatus"
          + " order by l_returnflag, l_linestatus";

  static final String Q6 =
      "select sum(l_extendedprice * l_discount) as revenue"
          + " from tpch.lineitem"
          + " where l_shipdate >= date '1994-01-01'"
          + " and l_shipdate < date '1994-01-01' + interval '1' year"
          + " and l_discount between 0.06 - 0.01 and 0.06 + 0.01"
          + " and l_quantity < 24";

  @Test
  void tpchQ1AndQ6MatchDuckDb() throws Exception {
    assertSameAsDuckDb(Q1);
    JsonNode before = action("stats", Map.of());
    assertSameAsDuckDb(Q6);
    JsonNode after = action("stats", Map.of());
    long pruned =
        after.at("/scans/unitsPruned").asLong() - before.at("/scans/unitsPruned").asLong();
    long units = after.at("/scans/units").asLong() - before.at("/scans/units").asLong();
    // Q6 reads one year of about seven: most row groups are pruned by the date range.
    assertTrue(units > 0 && pruned >= units / 2, "pruned " + pruned + " of " + units);
  }

  @Test
  void joinsAcrossMountsGroupOrderAndLimitMatchDuckDb() throws Exception {
    assertSameAsDuckDb(
        "select o.o_orderpriority, count(*) as n, sum(l.l_quantity) as q"
            + " from tpch.lineitem l join sales.orders o on l.l_orderkey = o.o_orderkey"
            + " where o.o_urgent = true"
            + " group by o.o_orderpriority order by n desc, o.o_orderpriority nulls last limit 3");
    assertSameAsDuckDb(
        "select l_orderkey, l_comment from tpch.lineitem"
            + " where l_comment is null and l_orderkey < 40 order by l_orderkey, l_comment limit 20");
    assertSameAsDuckDb(
        "select count(*), count(l_comment), count(l_score) from tpch.lineitem where l_score > 0");
    assertSameAsDuckDb("select count(*) from tpch.lineitem where l_comment <> '中文é'");
    assertSameAsDuckDb(
        "select o_orderkey, o_ts, o_urgent from sales.orders"
            + " where o_ts >= timestamp '1992-03-01 00:00:00' order by o_orderkey limit 10");
    // The same table twice.
    assertSameAsDuckDb(
        "select count(*) from tpch.lineitem a join tpch.lineitem b"
            + " on a.l_orderkey = b.l_orderkey and a.l_shipdate = b.l_shipdate"
            + " where a.l_orderkey < 100");
  }

  @Test
  void queriesWhosePlanNeedsNoScanStillRun() throws Exception {
    assertEquals(List.of(List.of("0")), quiver("select count(*) from tpch.lineitem where 1 = 0"));
    assertEquals(List.of(), quiver("select * from tpch.lineitem limit 0"));
    assertEquals(
        List.of(List.of("2")),
        quiver("with x as (select l_orderkey from tpch.lineitem) select 2 from x limit 1"));
  }

  @Test
  void unquotedLowerCaseNamesFindTheCatalogsNames() throws Exception {
    List<List<String>> rows =
        quiver("SELECT L_RETURNFLAG, Count(*) FROM TPCH.LINEITEM GROUP BY l_returnflag ORDER BY 1");
    assertEquals(
        duckdb("select l_returnflag, count(*) from tpch.lineitem group by 1 order by 1"), rows);
  }

  @Test
  void preparedStatementsTakeParameters() throws Exception {
    String query =
        "select count(*), sum(l_quantity) from tpch.lineitem"
            + " where l_returnflag = ? and l_orderkey < ?";
    for (String flag : List.of("A", "R")) {
      try (PreparedStatement ps = sql.prepareStatement(query)) {
        ps.setString(1, flag);
        ps.setLong(2, 1000);
        List<List<String>> got;
        try (ResultSet rs = ps.executeQuery()) {
          got = rows(rs);
        }
        try (PreparedStatement d = duck.prepareStatement(query)) {
          d.setString(1, flag);
          d.setLong(2, 1000);
          try (ResultSet rs = d.executeQuery()) {
            assertEquals(rows(rs), got, flag);
          }
        }
      }
    }
  }

  @Test
  void metadataListsSchemasTablesAndColumns() throws Exception {
    DatabaseMetaData meta = sql.getMetaData();
    List<String> tables = new ArrayList<>();
    try (ResultSet rs = meta.getTables(null, null, "%", null)) {
      while (rs.next()) {
        tables.add(rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME"));
      }
    }
    assertEquals(List.of("sales.orders", "tpch.lineitem"), tables);
    List<String> columns = new ArrayList<>();
    try (ResultSet rs = meta.getColumns(null, "tpch", "lineitem", "%")) {
      while (rs.next()) {
        columns.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME"));
      }
    }
    assertEquals(10, columns.size(), columns.toString());
    assertTrue(columns.get(0).startsWith("l_orderkey:"), columns.toString());
    List<String> schemas = new ArrayList<>();
    try (ResultSet rs = meta.getSchemas()) {
      while (rs.next()) {
        schemas.add(rs.getString("TABLE_SCHEM"));
      }
    }
    assertEquals(List.of("sales", "tpch"), schemas);
    assertEquals("Quiver", meta.getDatabaseProductName());
  }

  @Test
  void badQueriesNameWhatIsWrongAndWhere() {
    SQLException e = assertThrows(SQLException.class, () -> quiver("select from where"));
    assertTrue(e.getMessage().contains("line 1, column"), e.getMessage());
    e = assertThrows(SQLException.class, () -> quiver("select * from tpch.nope"));
    assertTrue(
        e.getMessage().contains("nope") && e.getMessage().contains("line 1"), e.getMessage());
    e = assertThrows(SQLException.class, () -> quiver("select no_such_column from tpch.lineitem"));
    assertTrue(e.getMessage().contains("no_such_column"), e.getMessage());
  }
}
