package io.quiver.bench.harness;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;

/**
 * The SQL workloads: TPC-H Q1 and Q6 adapted to the generated lineitem table, and a 1 %-selective
 * range filter on the column the files are ordered by, next to the same filter written so that no
 * one can push it down (the no-pruning baseline). Each text is valid both in Quiver's dialect
 * (Calcite: {@code date '…' - interval '90' day}) and in DuckDB's, and runs unchanged on both.
 */
public final class SqlWorkloads {
  public static final String Q1 = "q1";
  public static final String Q6 = "q6";
  public static final String FILTER = "filter-1pct";
  public static final String FILTER_NO_PUSHDOWN = "filter-1pct-nopush";

  /** Every SQL workload name, in run order. */
  public static final List<String> NAMES = List.of(Q1, Q6, FILTER, FILTER_NO_PUSHDOWN);

  private SqlWorkloads() {}

  /** Whether {@code workload} names a SQL workload. */
  public static boolean isSql(String workload) {
    return NAMES.contains(workload);
  }

  private static long day(String isoDate) {
    return LocalDate.parse(isoDate).toEpochDay();
  }

  /** TPC-H Q1 (pricing summary report), with TPC-H's DELTA of 90 days. */
  public static SqlQuery q1() {
    return new SqlQuery(
        Q1,
        String.join(
            "\n",
            "select l_returnflag, l_linestatus,",
            "  sum(l_quantity) as sum_qty,",
            "  sum(l_extendedprice) as sum_base_price,",
            "  sum(l_extendedprice * (1 - l_discount)) as sum_disc_price,",
            "  sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge,",
            "  avg(l_quantity) as avg_qty,",
            "  avg(l_extendedprice) as avg_price,",
            "  avg(l_discount) as avg_disc,",
            "  count(*) as count_order",
            "from " + SqlQuery.TABLE,
            "where l_shipdate <= date '1998-12-01' - interval '90' day",
            "group by l_returnflag, l_linestatus",
            "order by l_returnflag, l_linestatus"),
        true,
        new SqlQuery.ZoneFilter("l_shipdate", Long.MIN_VALUE, day("1998-09-02")),
        "TPC-H Q1: 7 of 16 columns, ~98 % of the rows, 4 groups");
  }

  /** TPC-H Q6 (forecasting revenue change), with TPC-H's validation parameters. */
  public static SqlQuery q6() {
    return new SqlQuery(
        Q6,
        String.join(
            "\n",
            "select sum(l_extendedprice * l_discount) as revenue",
            "from " + SqlQuery.TABLE,
            "where l_shipdate >= date '1994-01-01'",
            "  and l_shipdate < date '1994-01-01' + interval '1' year",
            "  and l_discount between 0.06 - 0.01 and 0.06 + 0.01",
            "  and l_quantity < 24"),
        false,
        new SqlQuery.ZoneFilter("l_shipdate", day("1994-01-01"), day("1994-12-31")),
        "TPC-H Q6: 4 of 16 columns, one ship year (~1/7 of the rows), one sum");
  }

  /**
   * The column the data files are ordered by: {@code l_shipdate} in the sorted layout; in the
   * unsorted layout rows are in generation order, in which {@code l_orderkey} never decreases.
   */
  public static String sortedColumn(boolean sortedByShipDate) {
    return sortedByShipDate ? "l_shipdate" : "l_orderkey";
  }

  /**
   * Rows whose {@code column} lies in {@code [lo, hi]} (physical values: days since the epoch for
   * {@code l_shipdate}), as a plain range predicate Quiver pushes down into its scan ({@code
   * pushable}), or with the column wrapped in a function that does not change which rows match but
   * that neither Calcite's push-down nor the scan's statistics can see through: {@code
   * abs(l_orderkey)} (keys are positive) or {@code cast(l_shipdate as timestamp)}.
   */
  public static SqlQuery filter(String column, long lo, long hi, boolean pushable) {
    boolean date = column.equals("l_shipdate");
    String predicate;
    if (date) {
      String from = LocalDate.ofEpochDay(lo).toString();
      String to = LocalDate.ofEpochDay(hi).toString();
      predicate =
          pushable
              ? column + " between date '" + from + "' and date '" + to + "'"
              : "cast("
                  + column
                  + " as timestamp) between timestamp '"
                  + from
                  + " 00:00:00' and timestamp '"
                  + to
                  + " 00:00:00'";
    } else {
      predicate = (pushable ? column : "abs(" + column + ")") + " between " + lo + " and " + hi;
    }
    String text =
        String.join(
            "\n",
            "select l_orderkey, l_linenumber, l_extendedprice, l_shipdate",
            "from " + SqlQuery.TABLE,
            "where " + predicate);
    return new SqlQuery(
        pushable ? FILTER : FILTER_NO_PUSHDOWN,
        text,
        false,
        pushable ? new SqlQuery.ZoneFilter(column, lo, hi) : null,
        pushable
            ? "1 % of the rows by a range of "
                + column
                + " (the files' sort column): pruned by row-group statistics"
            : "the same rows and answer with the predicate hidden in a function: every row group is"
                + " read and every row filtered (no pruning)");
  }

  /** Where the 1 % range starts, as a fraction of the rows (in the sort column's order). */
  static final double RANGE_START = 0.33;

  /** Where it ends: one percent later. */
  static final double RANGE_END = 0.34;

  /**
   * A 1 % range of {@code column}'s values in {@code table} (a DuckDB table or view): its 33rd and
   * 34th percentiles, as physical values. Not the middle: with 4, 8 or 40 files (SF 0.1, 1, 5) a
   * range starting at 0.33 lies inside one file, where the middle percent straddles two.
   */
  public static long[] onePercentRange(Connection duckdb, String table, String column)
      throws SQLException {
    String value = column.equals("l_shipdate") ? column + " - date '1970-01-01'" : column;
    try (Statement st = duckdb.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select quantile_disc("
                    + value
                    + ", "
                    + RANGE_START
                    + "), quantile_disc("
                    + value
                    + ", "
                    + RANGE_END
                    + ") from "
                    + table)) {
      if (!rs.next()) {
        throw new SQLException("no rows in " + table);
      }
      return new long[] {rs.getLong(1), rs.getLong(2)};
    }
  }

  /** The four SQL workloads for data ordered by {@code sortedColumn}, with its 1 % range. */
  public static List<SqlQuery> all(String sortedColumn, long lo, long hi) {
    return List.of(
        q1(), q6(), filter(sortedColumn, lo, hi, true), filter(sortedColumn, lo, hi, false));
  }
}
