package io.quiver.bench.harness;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The answer of a SQL query, read from any JDBC driver into values that compare across engines and
 * drivers: exact numbers (integers, decimals) as {@link BigDecimal}, approximate ones as {@link
 * Double}, dates as {@link LocalDate}, timestamps as {@link LocalDateTime}, text as {@link String}.
 * Column names are kept for messages but not compared (each engine names unaliased expressions its
 * own way). Immutable.
 */
public final class QueryResult {
  /** Relative tolerance for approximate numbers (e.g. an AVG summed in a different order). */
  static final double RELATIVE_TOLERANCE = 1e-9;

  private final List<String> columns;
  private final List<List<Object>> rows;

  private QueryResult(List<String> columns, List<List<Object>> rows) {
    this.columns = List.copyOf(columns);
    List<List<Object>> copy = new ArrayList<>(rows.size());
    for (List<Object> row : rows) {
      List<Object> normalized = new ArrayList<>(row.size());
      for (Object v : row) {
        normalized.add(normalize(v));
      }
      copy.add(java.util.Collections.unmodifiableList(normalized));
    }
    this.rows = java.util.Collections.unmodifiableList(copy);
  }

  /** A result of the given values (normalized as a driver's would be). */
  public static QueryResult of(List<String> columns, List<List<Object>> rows) {
    for (List<Object> row : rows) {
      if (row.size() != columns.size()) {
        throw new IllegalArgumentException(
            "row of " + row.size() + " values for " + columns.size() + " columns");
      }
    }
    return new QueryResult(columns, rows);
  }

  /** Reads every row of {@code rs} (which stays open: the caller closes it). */
  public static QueryResult read(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int n = meta.getColumnCount();
    List<String> columns = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      columns.add(meta.getColumnLabel(i));
    }
    List<List<Object>> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] row = new Object[n];
      for (int i = 0; i < n; i++) {
        row[i] = rs.getObject(i + 1);
      }
      rows.add(Arrays.asList(row));
    }
    return new QueryResult(columns, rows);
  }

  public List<String> columns() {
    return columns;
  }

  public List<List<Object>> rows() {
    return rows;
  }

  public int rowCount() {
    return rows.size();
  }

  /** {@code "4 rows × 10 columns"}. */
  public String shape() {
    return rows.size()
        + (rows.size() == 1 ? " row" : " rows")
        + " × "
        + columns.size()
        + " columns";
  }

  static Object normalize(Object v) {
    if (v == null
        || v instanceof BigDecimal
        || v instanceof Double
        || v instanceof String
        || v instanceof LocalDate
        || v instanceof LocalDateTime
        || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return BigDecimal.valueOf(((Number) v).longValue());
    }
    if (v instanceof BigInteger b) {
      return new BigDecimal(b);
    }
    if (v instanceof Float f) {
      return f.doubleValue();
    }
    if (v instanceof java.sql.Date d) {
      return d.toLocalDate();
    }
    if (v instanceof java.sql.Timestamp t) {
      return t.toLocalDateTime();
    }
    if (v instanceof Number n) {
      return new BigDecimal(n.toString());
    }
    if (v instanceof byte[] bytes) {
      return java.util.HexFormat.of().formatHex(bytes);
    }
    return v.toString();
  }

  /**
   * How {@code actual} differs from this (the expected answer), or null when it is the same answer:
   * same number of columns, and the same rows — in the same order when {@code ordered}, as a
   * multiset otherwise. Exact numbers must be equal; an approximate one may differ from a number by
   * {@value #RELATIVE_TOLERANCE} relatively.
   */
  public String difference(QueryResult actual, boolean ordered) {
    if (actual.columns.size() != columns.size()) {
      return "expected "
          + columns.size()
          + " columns "
          + columns
          + ", got "
          + actual.columns.size()
          + " "
          + actual.columns;
    }
    if (actual.rows.size() != rows.size()) {
      return "expected " + rows.size() + " rows, got " + actual.rows.size();
    }
    List<List<Object>> want = ordered ? rows : sorted(rows);
    List<List<Object>> got = ordered ? actual.rows : sorted(actual.rows);
    for (int r = 0; r < want.size(); r++) {
      List<Object> a = want.get(r);
      List<Object> b = got.get(r);
      for (int c = 0; c < a.size(); c++) {
        if (!same(a.get(c), b.get(c))) {
          return String.format(
              Locale.ROOT,
              "%s row %d, column %s: expected %s, got %s (expected row %s, got %s)",
              ordered ? "" : "sorted",
              r,
              columns.get(c),
              a.get(c),
              b.get(c),
              a,
              b);
        }
      }
    }
    return null;
  }

  static boolean same(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof BigDecimal x && b instanceof BigDecimal y) {
      return x.compareTo(y) == 0;
    }
    if ((a instanceof Double || b instanceof Double)
        && (a instanceof Number && b instanceof Number)) {
      double x = ((Number) a).doubleValue();
      double y = ((Number) b).doubleValue();
      if (Double.isNaN(x) || Double.isNaN(y) || Double.isInfinite(x) || Double.isInfinite(y)) {
        return Double.compare(x, y) == 0;
      }
      double scale = Math.max(Math.abs(x), Math.abs(y));
      return Math.abs(x - y) <= RELATIVE_TOLERANCE * scale;
    }
    return a.equals(b);
  }

  private static List<List<Object>> sorted(List<List<Object>> rows) {
    List<List<Object>> copy = new ArrayList<>(rows);
    copy.sort(Comparator.comparing(QueryResult::sortKey));
    return copy;
  }

  /** A key equal for rows {@link #same} treats as equal (approximate numbers to 9 digits). */
  private static String sortKey(List<Object> row) {
    StringBuilder key = new StringBuilder();
    for (Object v : row) {
      if (v == null) {
        key.append("\u0000NULL");
      } else if (v instanceof BigDecimal d) {
        key.append(d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString());
      } else if (v instanceof Double d) {
        key.append(String.format(Locale.ROOT, "%.8e", d));
      } else {
        key.append(v);
      }
      key.append('\u0001');
    }
    return key.toString();
  }

  @Override
  public String toString() {
    return shape() + " " + columns + (rows.size() <= 5 ? " " + rows : "");
  }
}
