package io.quiver.server.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quiver.catalog.NoSuchTableException;
import io.quiver.protocol.Filter;
import io.quiver.protocol.FilterJson;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.types.DateUnit;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.Test;

/** What the planner pushes to each table's scan, and the query it hands the executor. */
class SqlPlannerTest {
  private static final Schema LINEITEM =
      new Schema(
          List.of(
              Field.nullable("l_orderkey", new ArrowType.Int(64, true)),
              Field.nullable("l_quantity", new ArrowType.Decimal(12, 2, 128)),
              Field.nullable("l_extendedprice", new ArrowType.Decimal(12, 2, 128)),
              Field.nullable("l_discount", new ArrowType.Decimal(12, 2, 128)),
              Field.nullable("l_returnflag", ArrowType.Utf8.INSTANCE),
              Field.nullable("l_shipdate", new ArrowType.Date(DateUnit.DAY)),
              Field.nullable("l_comment", ArrowType.Utf8.INSTANCE)));
  private static final Schema ORDERS =
      new Schema(
          List.of(
              Field.nullable("o_orderkey", new ArrowType.Int(64, true)),
              Field.nullable("o_urgent", ArrowType.Bool.INSTANCE)));

  private final SqlPlanner planner =
      new SqlPlanner(
          new TableScans() {
            final Map<String, Schema> schemas =
                Map.of("tpch.lineitem", LINEITEM, "sales.orders", ORDERS);

            @Override
            public List<String> tableNames() {
              return List.copyOf(schemas.keySet());
            }

            @Override
            public Schema schema(String table) {
              Schema s = schemas.get(table);
              if (s == null) {
                throw new NoSuchTableException("No table " + table);
              }
              return s;
            }

            @Override
            public ArrowReader scan(io.quiver.protocol.ScanCommand c, BufferAllocator a) {
              throw new UnsupportedOperationException("planning only");
            }
          });

  private static SqlPlanner.TableRead read(SqlPlanner.PlannedQuery q, String table) {
    return q.reads().stream().filter(r -> r.table().equals(table)).findFirst().orElseThrow();
  }

  private static String json(Filter f) {
    return FilterJson.toJson(f).toString();
  }

  @Test
  void q6ReadsFourColumnsAndPushesItsRanges() {
    SqlPlanner.PlannedQuery q =
        planner.plan(
            "select sum(l_extendedprice * l_discount) from tpch.lineitem"
                + " where l_shipdate >= date '1994-01-01'"
                + " and l_shipdate < date '1994-01-01' + interval '1' year"
                + " and l_discount between 0.05 and 0.07 and l_quantity < 24");
    SqlPlanner.TableRead r = read(q, "tpch.lineitem");
    assertEquals(List.of("l_quantity", "l_extendedprice", "l_discount", "l_shipdate"), r.columns());
    String filter = json(r.filter());
    assertTrue(filter.contains("\"column\":\"l_shipdate\""), filter);
    assertTrue(filter.contains("\"1995-01-01\""), "the interval is folded: " + filter);
    assertTrue(filter.contains("\"column\":\"l_quantity\""), filter);
    assertTrue(filter.contains("\"column\":\"l_discount\""), filter);
    assertTrue(q.executorSql().contains(SqlPlanner.SCAN_PREFIX + "0"), q.executorSql());
    assertTrue(
        q.executorSql().contains("FROM \"" + SqlPlanner.SCAN_PREFIX + "0\" AS \"lineitem\""),
        q.executorSql());
  }

  @Test
  void joinConditionsAndWhereClausesReachTheRightTable() {
    SqlPlanner.PlannedQuery q =
        planner.plan(
            "select o.o_orderkey, count(*) from tpch.lineitem l join sales.orders o"
                + " on l.l_orderkey = o.o_orderkey where o.o_urgent = true"
                + " and l.l_returnflag in ('A', 'R') group by o.o_orderkey");
    SqlPlanner.TableRead lineitem = read(q, "tpch.lineitem");
    SqlPlanner.TableRead orders = read(q, "sales.orders");
    assertEquals(List.of("l_orderkey", "l_returnflag"), lineitem.columns());
    assertEquals(List.of("o_orderkey", "o_urgent"), orders.columns());
    assertTrue(json(orders.filter()).contains("o_urgent"), json(orders.filter()));
    assertTrue(json(lineitem.filter()).contains("\"R\""), json(lineitem.filter()));
  }

  @Test
  void whatCannotBeTranslatedStaysWithTheEngine() {
    SqlPlanner.PlannedQuery q =
        planner.plan(
            "select l_orderkey from tpch.lineitem where upper(l_comment) = 'X'"
                + " or l_orderkey = l_quantity");
    assertNull(read(q, "tpch.lineitem").filter());
    assertTrue(q.executorSql().toUpperCase().contains("UPPER"), q.executorSql());
  }

  @Test
  void aTableReadTwiceIsMarkedReused() {
    SqlPlanner.PlannedQuery q =
        planner.plan(
            "select count(*) from tpch.lineitem a join tpch.lineitem b on a.l_orderkey ="
                + " b.l_orderkey where a.l_orderkey < 5");
    assertEquals(1, q.reads().size());
    assertTrue(q.reads().get(0).reused());
    assertNull(q.reads().get(0).filter(), "one filter cannot serve two different scans");
  }

  @Test
  void parametersGetTheirTypes() {
    SqlPlanner.PlannedQuery q =
        planner.plan(
            "select count(*) from tpch.lineitem where l_returnflag = ? and l_orderkey < ?");
    assertEquals(2, q.parameters().size());
    assertEquals("VARCHAR", q.parameters().get(0).getSqlTypeName().getName());
    assertEquals("BIGINT", q.parameters().get(1).getSqlTypeName().getName());
  }

  @Test
  void errorsNameLineAndColumn() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> planner.plan("select *\nfrom from"));
    assertTrue(e.getMessage().startsWith("SQL syntax error at line 2, column"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> planner.plan("select x from tpch.lineitem"));
    assertTrue(
        e.getMessage().contains("line 1, column 8") && e.getMessage().contains("'x'"),
        e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> planner.plan("delete from tpch.lineitem"));
    assertTrue(e.getMessage().contains("Only queries"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> planner.plan("  "));
  }
}
