package io.quiver.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.apache.arrow.adbc.core.AdbcConnection;
import org.apache.arrow.adbc.core.AdbcDatabase;
import org.apache.arrow.adbc.core.AdbcDriver;
import org.apache.arrow.adbc.core.AdbcStatement;
import org.apache.arrow.adbc.driver.flightsql.FlightSqlDriver;
import org.apache.arrow.flight.FlightClient;
import org.apache.arrow.flight.FlightInfo;
import org.apache.arrow.flight.FlightRuntimeException;
import org.apache.arrow.flight.FlightStatusCode;
import org.apache.arrow.flight.FlightStream;
import org.apache.arrow.flight.sql.FlightSqlClient;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flight SQL beyond the happy path: the ADBC Flight SQL driver as a client, a query over its memory
 * budget, a cancelled query. The server is closed at the end, which fails on any leak.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FlightSqlLimitsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private Path lineitem;
  private TestNode node;

  @BeforeAll
  void setUp() throws Exception {
    lineitem = FlightSqlTest.writeLineitem(Files.createDirectories(tmp.resolve("lake/lineitem")));
    node =
        TestNode.start(
                tmp.resolve("quiver-data"), c -> c.withMemory(128L << 20).withSqlMemory(64L << 20))
            .mount("/lake", tmp.resolve("lake"))
            .createTable("tpch.lineitem", "/lake/lineitem");
  }

  @AfterAll
  void tearDown() throws Exception {
    node.close(); // fails on a leak
  }

  private void action(String type, Map<String, ?> body) {
    node.action(type, body);
  }

  private BigDecimal duckQ6() throws Exception {
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = duck.createStatement();
        ResultSet rs =
            st.executeQuery(
                FlightSqlTest.Q6.replace("tpch.lineitem", "read_parquet('" + lineitem + "')"))) {
      rs.next();
      return rs.getBigDecimal(1);
    }
  }

  @Test
  void adbcFlightSqlDriverRunsQueries() throws Exception {
    BigDecimal expected = duckQ6();
    try (BufferAllocator adbcAllocator = new RootAllocator();
        AdbcDatabase db =
            new FlightSqlDriver(adbcAllocator)
                .open(
                    Map.of(AdbcDriver.PARAM_URI.getKey(), "grpc+tcp://127.0.0.1:" + node.port()));
        AdbcConnection conn = db.connect();
        AdbcStatement stmt = conn.createStatement()) {
      stmt.setSqlQuery(FlightSqlTest.Q6);
      try (AdbcStatement.QueryResult result = stmt.executeQuery()) {
        ArrowReader reader = result.getReader();
        BigDecimal got = null;
        while (reader.loadNextBatch()) {
          VectorSchemaRoot root = reader.getVectorSchemaRoot();
          if (root.getRowCount() > 0) {
            got = ((DecimalVector) root.getVector(0)).getObject(0);
          }
        }
        assertEquals(0, expected.compareTo(got), expected + " vs " + got);
      }
    }
  }

  /** A Flight SQL client of its own (closing a FlightSqlClient closes its FlightClient). */
  private FlightSqlClient sqlClient() {
    return new FlightSqlClient(
        FlightClient.builder(node.allocator(), node.server().location()).build());
  }

  private BufferAllocator sqlMemory() {
    return node.server().allocator().getChildAllocators().stream()
        .filter(a -> a.getName().equals("sql"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aQueryOverItsMemoryBudgetIsResourceExhaustedAndTheNodeGoesOn() throws Exception {
    try (FlightSqlClient sql = sqlClient()) {
      // ~10 KB per row, 40,000 rows, sorted: far more than 64 MiB of working memory and 256 MiB
      // of spill.
      FlightInfo info =
          sql.execute(
              "select repeat(l_comment, 5000) as c, l_orderkey from tpch.lineitem order by c");
      FlightRuntimeException e =
          assertThrows(
              FlightRuntimeException.class,
              () -> {
                try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket())) {
                  while (stream.next()) {
                    // drain
                  }
                }
              });
      assertEquals(FlightStatusCode.RESOURCE_EXHAUSTED, e.status().code(), e.getMessage());
      assertTrue(e.getMessage().contains("memory"), e.getMessage());
      // The node still answers.
      assertTrue(count(sql, "select count(*) from tpch.lineitem where l_orderkey = 1") > 0);
    }
  }

  @Test
  void aCancelledQueryStopsAndFreesItsMemory() throws Exception {
    try (FlightSqlClient sql = sqlClient()) {
      // Runs for many minutes unless stopped, in little memory: tens of billions of comparisons.
      FlightInfo info =
          sql.execute(
              "select count(*) from tpch.lineitem a, tpch.lineitem b, tpch.lineitem c"
                  + " where c.l_orderkey < 3 and a.l_comment || b.l_comment || c.l_comment = 'z'");
      FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket());
      long deadline = System.nanoTime() + 20_000_000_000L;
      while (sqlMemory().getAllocatedMemory() == 0 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
      }
      assertTrue(sqlMemory().getAllocatedMemory() > 0, "the query never started");
      long cancelledAt = System.nanoTime();
      stream.cancel("enough", null);
      assertThrows(Exception.class, () -> stream.next());
      stream.close();
      while (sqlMemory().getAllocatedMemory() > 0 && System.nanoTime() < deadline) {
        java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
      }
      assertEquals(0, sqlMemory().getAllocatedMemory(), "memory still held after cancel");
      assertTrue(
          System.nanoTime() - cancelledAt < 15_000_000_000L,
          "the query did not stop when cancelled");
      assertTrue(count(sql, "select count(*) from tpch.lineitem where l_orderkey = 1") > 0);
    }
  }

  private long storageBytesFor(FlightSqlClient sql, String query) throws Exception {
    action("cache-free", Map.of());
    long before = node.stats().path("storageBytesRead").asLong();
    count(sql, query);
    return node.stats().path("storageBytesRead").asLong() - before;
  }

  @Test
  void aQueryReadsOnlyTheColumnsItUses() throws Exception {
    try (FlightSqlClient sql = sqlClient()) {
      long two =
          storageBytesFor(
              sql, "select count(*), sum(l_tax) from tpch.lineitem where l_discount > 0");
      long all =
          storageBytesFor(
              sql,
              "select count(*) from (select * from tpch.lineitem) x where l_comment <> 'x' or l_score > 0 or l_orderkey > 0 or l_quantity > 0 or l_extendedprice > 0 or l_tax > 0 or l_discount > 0 or l_returnflag <> 'x' or l_linestatus <> 'x' or l_shipdate > date '1990-01-01'");
      // Two of ten columns: well under half of what reading every column costs.
      assertTrue(two > 0 && two * 2 < all, "two columns read " + two + " bytes, all " + all);
    }
  }

  @Test
  void aTableWhoseFileChangedIsReadAtItsNewVersion() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("lake/changing"));
    FlightSqlTest.writeOrders(dir);
    action("create-table", Map.of("name", "tpch.changing", "path", "/lake/changing"));
    try (FlightSqlClient sql = sqlClient()) {
      String query = "select count(*) from tpch.changing";
      assertEquals(5_000, count(sql, query));
      // Same file name, different content: a warm cache must not answer from the old version.
      Files.delete(dir.resolve("orders.parquet"));
      FlightSqlTest.writeLineitem(dir);
      Files.move(dir.resolve("part-0.parquet"), dir.resolve("orders.parquet"));
      // The table's listing is kept (the mount's sync policy), so the statement is planned over
      // the old version; its read finds the change and fails it rather than answer from the old
      // version (even from the cache), and drops the kept listing: run again, it is right.
      FlightRuntimeException changed =
          assertThrows(FlightRuntimeException.class, () -> count(sql, query));
      assertEquals(FlightStatusCode.INVALID_ARGUMENT, changed.status().code());
      assertTrue(changed.getMessage().contains("changed"), changed.getMessage());
      FlightInfo info = sql.execute("select count(*) from tpch.changing");
      try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket())) {
        assertTrue(stream.next());
        assertEquals(
            40_000, ((org.apache.arrow.vector.BigIntVector) stream.getRoot().getVector(0)).get(0));
      }
    }
  }

  private static long count(FlightSqlClient sql, String query) throws Exception {
    FlightInfo info = sql.execute(query);
    try (FlightStream stream = sql.getStream(info.getEndpoints().get(0).getTicket())) {
      long n = 0;
      while (stream.next()) {
        if (stream.getRoot().getRowCount() > 0) {
          n = ((org.apache.arrow.vector.BigIntVector) stream.getRoot().getVector(0)).get(0);
        }
      }
      return n;
    }
  }
}
