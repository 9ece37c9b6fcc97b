package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.bench.data.LineitemGenerator;
import io.quiver.bench.data.ProgressListener;
import io.quiver.format.parquet.ParquetSchemas;
import io.quiver.protocol.ScanCommand;
import io.quiver.server.sql.SqlPlanner;
import io.quiver.server.sql.TableScans;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SQL texts: what they read, that DuckDB runs them on generated lineitem data with sensible
 * answers, and that Quiver's Calcite front end accepts them and pushes down exactly the filters it
 * should (the no-pruning baseline must not be pushed down).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlWorkloadsTest {
  private static final int ROWS = 40_000;
  private static final String TABLE = "bench.loopback";

  @TempDir static Path tmp;
  private Connection unsorted;
  private Connection sorted;

  @BeforeAll
  void generate() throws Exception {
    unsorted = DuckDb.open();
    sorted = DuckDb.open();
    DuckDb.createView(unsorted, TABLE, write(tmp.resolve("unsorted"), false));
    DuckDb.createView(sorted, TABLE, write(tmp.resolve("sorted"), true));
  }

  static List<Path> write(Path dir, boolean sortedByShipDate) throws Exception {
    return LineitemGenerator.write(
        dir,
        LineitemGenerator.Options.builder()
            .rows(ROWS)
            .files(2)
            .rowGroupSizeBytes(256 * 1024)
            .pageSizeBytes(64 * 1024)
            .sortedByShipDate(sortedByShipDate)
            .seed(7)
            .build(),
        ProgressListener.NONE);
  }

  @AfterAll
  void close() throws Exception {
    unsorted.close();
    sorted.close();
  }

  @Test
  void queriesNameTheirTableOnceAndTheColumnsTheyRead() {
    SqlQuery q6 = SqlWorkloads.q6();
    assertEquals(
        List.of("l_quantity", "l_extendedprice", "l_discount", "l_shipdate"),
        q6.columns(LineitemGenerator.COLUMNS));
    assertEquals(7, SqlWorkloads.q1().columns(LineitemGenerator.COLUMNS).size());
    assertTrue(q6.sql("bench.s3_shaped").contains("from bench.s3_shaped\n"));
    assertFalse(q6.sql(TABLE).contains(SqlQuery.TABLE));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SqlQuery("x", "select 1", false, null, "no table"));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new SqlQuery("x", "select l_nope from " + SqlQuery.TABLE, false, null, "")
                .columns(LineitemGenerator.COLUMNS));
  }

  @Test
  void filterTextsKeepTheRangeAndHideItOnlyInTheBaseline() {
    SqlQuery keys = SqlWorkloads.filter("l_orderkey", 100, 200, true);
    assertTrue(keys.template().endsWith("where l_orderkey between 100 and 200"));
    assertEquals(new SqlQuery.ZoneFilter("l_orderkey", 100, 200), keys.zoneFilter());
    SqlQuery hidden = SqlWorkloads.filter("l_orderkey", 100, 200, false);
    assertTrue(hidden.template().endsWith("where abs(l_orderkey) between 100 and 200"));
    assertNull(hidden.zoneFilter());
    assertEquals(SqlWorkloads.FILTER_NO_PUSHDOWN, hidden.name());
    long day = LocalDate.of(1995, 3, 1).toEpochDay();
    assertTrue(
        SqlWorkloads.filter("l_shipdate", day, day + 9, true)
            .template()
            .endsWith("where l_shipdate between date '1995-03-01' and date '1995-03-10'"));
    assertTrue(
        SqlWorkloads.filter("l_shipdate", day, day + 9, false)
            .template()
            .endsWith(
                "where cast(l_shipdate as timestamp) between timestamp '1995-03-01 00:00:00'"
                    + " and timestamp '1995-03-10 00:00:00'"));
    assertEquals("l_shipdate", SqlWorkloads.sortedColumn(true));
    assertEquals("l_orderkey", SqlWorkloads.sortedColumn(false));
  }

  @Test
  void zoneFiltersOverlapRanges() {
    SqlQuery.ZoneFilter z = new SqlQuery.ZoneFilter("c", 10, 20);
    assertTrue(z.mayMatch(0, 10));
    assertTrue(z.mayMatch(20, 30));
    assertTrue(z.mayMatch(12, 13));
    assertTrue(z.mayMatch(0, 100));
    assertFalse(z.mayMatch(0, 9));
    assertFalse(z.mayMatch(21, 30));
    assertThrows(IllegalArgumentException.class, () -> new SqlQuery.ZoneFilter("c", 2, 1));
  }

  @Test
  void duckDbRunsEveryTextWithPlausibleAnswers() throws Exception {
    for (boolean isSorted : new boolean[] {false, true}) {
      Connection duck = isSorted ? sorted : unsorted;
      String column = SqlWorkloads.sortedColumn(isSorted);
      long[] range = SqlWorkloads.onePercentRange(duck, TABLE, column);
      List<SqlQuery> queries = SqlWorkloads.all(column, range[0], range[1]);
      assertEquals(SqlWorkloads.NAMES, queries.stream().map(SqlQuery::name).toList());
      QueryResult q1 = DuckDb.query(duck, queries.get(0).sql(TABLE));
      assertEquals(10, q1.columns().size());
      assertEquals(4, q1.rowCount(), q1.toString()); // (A|N|R) × (F|O) that occur
      QueryResult q6 = DuckDb.query(duck, queries.get(1).sql(TABLE));
      assertEquals(1, q6.rowCount());
      assertNotNull(q6.rows().get(0).get(0), "some revenue");
      QueryResult filtered = DuckDb.query(duck, queries.get(2).sql(TABLE));
      double share = filtered.rowCount() / (double) ROWS;
      assertTrue(share > 0.005 && share < 0.02, column + ": " + share);
      // The baseline is the same answer.
      assertNull(filtered.difference(DuckDb.query(duck, queries.get(3).sql(TABLE)), false));
    }
  }

  /** The catalog as the node's SQL front end sees it: one lineitem table, never scanned here. */
  private static final TableScans CATALOG =
      new TableScans() {
        @Override
        public List<String> tableNames() {
          return List.of(TABLE);
        }

        @Override
        public Schema schema(String table) {
          return ParquetSchemas.toArrow(LineitemGenerator.schema(false));
        }

        @Override
        public ArrowReader scan(ScanCommand command, BufferAllocator allocator) {
          throw new UnsupportedOperationException("planning only");
        }
      };

  @Test
  void quiverPushesDownTheRangeButNotTheBaseline() {
    SqlPlanner planner = new SqlPlanner(CATALOG);
    long day = LocalDate.of(1995, 3, 1).toEpochDay();
    for (String column : List.of("l_orderkey", "l_shipdate")) {
      long lo = column.equals("l_shipdate") ? day : 1000;
      SqlPlanner.TableRead pushed =
          planner.plan(SqlWorkloads.filter(column, lo, lo + 9, true).sql(TABLE)).reads().get(0);
      assertNotNull(pushed.filter(), column + " range is pushed down");
      assertEquals(
          List.of("l_orderkey", "l_linenumber", "l_extendedprice", "l_shipdate"), pushed.columns());
      SqlPlanner.TableRead hidden =
          planner.plan(SqlWorkloads.filter(column, lo, lo + 9, false).sql(TABLE)).reads().get(0);
      assertNull(hidden.filter(), column + " baseline must not be pushed down: " + hidden);
      assertEquals(pushed.columns(), hidden.columns());
    }
    for (SqlQuery q : List.of(SqlWorkloads.q1(), SqlWorkloads.q6())) {
      SqlPlanner.TableRead read = planner.plan(q.sql(TABLE)).reads().get(0);
      assertEquals(q.columns(LineitemGenerator.COLUMNS), read.columns(), q.name());
      assertNotNull(read.filter(), q.name() + " has a filter to push down");
    }
  }
}
