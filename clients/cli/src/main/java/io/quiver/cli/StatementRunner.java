package io.quiver.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quiver.jdbc.SqlErrors;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs statements on a connection and prints their results in a {@link SqlCommand.ResultFormat},
 * each followed by a timing line ("3 rows in 0.12 s"); a failure prints its message and, for syntax
 * and validation errors, the line of the statement with a caret under the position. Not
 * thread-safe.
 */
final class StatementRunner {
  private final Connection connection;
  private final SqlCommand.ResultFormat format;
  private final PrintWriter out;
  private final PrintWriter err;

  StatementRunner(
      Connection connection, SqlCommand.ResultFormat format, PrintWriter out, PrintWriter err) {
    this.connection = connection;
    this.format = format;
    this.out = out;
    this.err = err;
  }

  Connection connection() {
    return connection;
  }

  PrintWriter out() {
    return out;
  }

  PrintWriter err() {
    return err;
  }

  /**
   * Runs one statement (a trailing ';' is ignored).
   *
   * @return whether it succeeded
   */
  boolean run(String sql) {
    String statement = sql.strip();
    while (statement.endsWith(";")) {
      statement = statement.substring(0, statement.length() - 1).stripTrailing();
    }
    long start = System.nanoTime();
    try (Statement st = connection.createStatement()) {
      long rows;
      if (st.execute(statement)) {
        try (ResultSet rs = st.getResultSet()) {
          rows = print(rs);
        }
      } else {
        rows = Math.max(0, st.getUpdateCount());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      PrintWriter timing = format == SqlCommand.ResultFormat.TABLE ? out : err;
      timing.printf(Locale.ROOT, "%d row%s in %.2f s%n", rows, rows == 1 ? "" : "s", seconds);
      out.flush();
      err.flush();
      return true;
    } catch (SQLException | RuntimeException e) {
      out.flush();
      printError(statement, e);
      return false;
    }
  }

  void printError(String statement, Throwable e) {
    SqlErrors.Described d = SqlErrors.describe(e);
    if (d.hasPosition()) {
      err.println("ERROR at line " + d.line() + ", column " + d.column() + ": " + d.message());
      String[] lines = statement.split("\n", -1);
      if (d.line() <= lines.length) {
        err.println("  " + lines[d.line() - 1]);
        err.println("  " + " ".repeat(Math.max(0, d.column() - 1)) + "^");
      }
    } else {
      err.println("ERROR: " + d.message());
    }
    err.flush();
  }

  private long print(ResultSet rs) throws SQLException {
    return switch (format) {
      case TABLE -> printTable(rs);
      case CSV -> printCsv(rs);
      case JSON -> printJson(rs);
    };
  }

  private static boolean isNumeric(int type) {
    return switch (type) {
      case Types.TINYINT,
          Types.SMALLINT,
          Types.INTEGER,
          Types.BIGINT,
          Types.DECIMAL,
          Types.NUMERIC,
          Types.REAL,
          Types.FLOAT,
          Types.DOUBLE ->
          true;
      default -> false;
    };
  }

  /** Aligned columns under a header; a value with line breaks (a plan) spans several lines. */
  private long printTable(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    String[] header = new String[n];
    boolean[] right = new boolean[n];
    int[] widths = new int[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
      right[i] = isNumeric(md.getColumnType(i + 1));
      widths[i] = header[i].length();
    }
    List<String[]> rows = new ArrayList<>();
    while (rs.next()) {
      String[] row = new String[n];
      for (int i = 0; i < n; i++) {
        String v = rs.getString(i + 1);
        row[i] = v == null ? "NULL" : v.stripTrailing();
        for (String line : row[i].split("\n", -1)) {
          widths[i] = Math.max(widths[i], line.length());
        }
      }
      rows.add(row);
    }
    printRow(header, widths, right);
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < n; i++) {
      rule.append(i == 0 ? "" : "-+-").append("-".repeat(widths[i]));
    }
    out.println(rule);
    for (String[] row : rows) {
      printRow(row, widths, right);
    }
    return rows.size();
  }

  private void printRow(String[] row, int[] widths, boolean[] right) {
    String[][] cells = new String[row.length][];
    int height = 1;
    for (int i = 0; i < row.length; i++) {
      cells[i] = row[i].split("\n", -1);
      height = Math.max(height, cells[i].length);
    }
    for (int l = 0; l < height; l++) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        if (i > 0) {
          line.append(" | ");
        }
        String cell = l < cells[i].length ? cells[i][l] : "";
        String pad = " ".repeat(widths[i] - cell.length());
        line.append(right[i] ? pad + cell : cell + pad);
      }
      out.println(line.toString().stripTrailing());
    }
  }

  private long printCsv(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    String[] header = new String[n];
    for (int i = 0; i < n; i++) {
      header[i] = md.getColumnLabel(i + 1);
    }
    out.println(csvLine(header));
    long rows = 0;
    String[] row = new String[n];
    while (rs.next()) {
      for (int i = 0; i < n; i++) {
        row[i] = rs.getString(i + 1);
      }
      out.println(csvLine(row));
      rows++;
    }
    return rows;
  }

  /** RFC 4180: a field with a comma, quote or line break is quoted; NULL is an empty field. */
  static String csvLine(String[] fields) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      String f = fields[i];
      if (f == null) {
        continue;
      }
      if (f.contains(",") || f.contains("\"") || f.contains("\n") || f.contains("\r")) {
        line.append('"').append(f.replace("\"", "\"\"")).append('"');
      } else {
        line.append(f);
      }
    }
    return line.toString();
  }

  /** A JSON array, one object per row on its own line; numbers and booleans stay JSON's own. */
  private long printJson(ResultSet rs) throws SQLException {
    ResultSetMetaData md = rs.getMetaData();
    int n = md.getColumnCount();
    long rows = 0;
    out.print("[");
    try {
      while (rs.next()) {
        ObjectNode row = QuiverCli.JSON.createObjectNode();
        for (int i = 1; i <= n; i++) {
          String name = md.getColumnLabel(i);
          if (rs.getObject(i) == null) {
            row.putNull(name);
            continue;
          }
          switch (md.getColumnType(i)) {
            case Types.BOOLEAN, Types.BIT -> row.put(name, rs.getBoolean(i));
            case Types.TINYINT, Types.SMALLINT, Types.INTEGER, Types.BIGINT ->
                row.put(name, rs.getLong(i));
            case Types.DECIMAL, Types.NUMERIC -> row.put(name, rs.getBigDecimal(i));
            case Types.REAL, Types.FLOAT, Types.DOUBLE -> {
              double d = rs.getDouble(i);
              if (Double.isFinite(d)) {
                row.put(name, d);
              } else {
                row.put(name, Double.toString(d));
              }
            }
            default -> row.put(name, rs.getString(i));
          }
        }
        out.print(rows == 0 ? "\n" : ",\n");
        out.print(QuiverCli.JSON.writeValueAsString(row));
        rows++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.println(rows == 0 ? "]" : "\n]");
    return rows;
  }
}
