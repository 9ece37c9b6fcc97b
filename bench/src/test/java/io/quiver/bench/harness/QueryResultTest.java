package io.quiver.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Answers from different drivers compare by value; wrong answers are told apart. */
class QueryResultTest {
  private static QueryResult of(List<String> columns, Object[]... rows) {
    return QueryResult.of(columns, Arrays.stream(rows).map(Arrays::asList).toList());
  }

  @Test
  void driversValueTypesCompareByValue() {
    QueryResult duck =
        of(
            List.of("flag", "n", "sum", "avg", "day", "ts"),
            new Object[] {
              "A",
              3L,
              new BigDecimal("12.50"),
              2.5,
              LocalDate.of(1995, 1, 2),
              LocalDateTime.of(1995, 1, 2, 3, 4)
            });
    QueryResult flight =
        of(
            List.of("FLAG", "count_star()", "sum", "avg", "day", "ts"),
            new Object[] {
              "A",
              BigInteger.valueOf(3),
              new BigDecimal("12.5"),
              2.5f,
              java.sql.Date.valueOf("1995-01-02"),
              java.sql.Timestamp.valueOf("1995-01-02 03:04:00")
            });
    assertNull(duck.difference(flight, true));
    assertEquals(new BigDecimal(3), flight.rows().get(0).get(1));
    assertEquals(LocalDate.of(1995, 1, 2), flight.rows().get(0).get(4));
  }

  @Test
  void exactNumbersMustBeEqualApproximateOnesWithinTolerance() {
    List<String> c = List.of("v");
    assertNotNull(
        of(c, new Object[] {new BigDecimal("1.00")})
            .difference(of(c, new Object[] {new BigDecimal("1.01")}), true));
    assertNull(
        of(c, new Object[] {1.0e9}).difference(of(c, new Object[] {1.0e9 + 1e-4}), true),
        "relative 1e-13");
    assertNotNull(of(c, new Object[] {1.0}).difference(of(c, new Object[] {1.001}), true));
    assertNull(of(c, new Object[] {2L}).difference(of(c, new Object[] {2.0}), true));
    assertNull(of(c, new Object[] {(Object) null}).difference(of(c, new Object[] {null}), true));
    assertNotNull(of(c, new Object[] {(Object) null}).difference(of(c, new Object[] {0L}), true));
  }

  @Test
  void orderMattersOnlyForOrderedQueries() {
    List<String> c = List.of("k", "v");
    QueryResult a = of(c, new Object[] {1L, "x"}, new Object[] {2L, "y"});
    QueryResult b = of(c, new Object[] {2L, "y"}, new Object[] {1L, "x"});
    assertNull(a.difference(b, false));
    String d = a.difference(b, true);
    assertNotNull(d);
    assertTrue(d.contains("row 0") && d.contains("column k"), d);
    // A multiset: a duplicated row is not the same answer.
    QueryResult c2 = of(c, new Object[] {1L, "x"}, new Object[] {1L, "x"});
    assertNotNull(a.difference(c2, false));
  }

  @Test
  void shapeDifferencesAreReported() {
    QueryResult a = of(List.of("k"), new Object[] {1L}, new Object[] {2L});
    assertEquals(
        "expected 2 rows, got 1", a.difference(of(List.of("k"), new Object[] {1L}), false));
    assertTrue(
        a.difference(of(List.of("k", "v"), new Object[] {1L, 1L}), false)
            .startsWith("expected 1 columns"));
    assertThrows(IllegalArgumentException.class, () -> of(List.of("k", "v"), new Object[] {1L}));
    assertEquals("2 rows × 1 columns", a.shape());
  }

  @Test
  void readsAJdbcResultSet() throws Exception {
    try (Connection duck = DuckDb.open()) {
      QueryResult r =
          DuckDb.query(
              duck,
              "select 'N' as flag, 2::bigint as n, 1.25::decimal(15,2) as d, 0.5::double as x,"
                  + " date '1998-09-02' as day, null as nothing"
                  + " union all select 'A', 1, 2.00, 1.5, date '1992-01-02', null order by 1");
      assertEquals(List.of("flag", "n", "d", "x", "day", "nothing"), r.columns());
      assertNull(
          r.difference(
              of(
                  List.of("a", "b", "c", "d", "e", "f"),
                  new Object[] {"A", 1L, new BigDecimal("2"), 1.5, LocalDate.of(1992, 1, 2), null},
                  new Object[] {
                    "N", 2L, new BigDecimal("1.25"), 0.5, LocalDate.of(1998, 9, 2), null
                  }),
              true));
    }
  }
}
