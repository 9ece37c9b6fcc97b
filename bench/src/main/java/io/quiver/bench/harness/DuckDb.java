package io.quiver.bench.harness;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Embedded DuckDB ({@code org.duckdb:duckdb_jdbc}) as the harness uses it: an in-memory database in
 * this JVM with its default settings (as many threads as cores), where a dotted table name such as
 * {@code bench.loopback} is a view over Parquet files, so that the SQL text Quiver runs runs here
 * unchanged. No extension is installed or loaded (this machine cannot download any).
 */
final class DuckDb {
  private DuckDb() {}

  /** A new in-memory database; the caller closes it. */
  static Connection open() throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:duckdb:");
    try (Statement st = c.createStatement()) {
      st.execute("SET autoinstall_known_extensions = false");
      st.execute("SET autoload_known_extensions = false");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** (Re)defines {@code table} (schema.name) as a view over {@code files}. */
  static void createView(Connection c, String table, List<Path> files) throws SQLException {
    int dot = table.indexOf('.');
    try (Statement st = c.createStatement()) {
      if (dot > 0) {
        st.execute("CREATE SCHEMA IF NOT EXISTS " + table.substring(0, dot));
      }
      st.execute(
          "CREATE OR REPLACE VIEW "
              + table
              + " AS SELECT * FROM read_parquet(["
              + files.stream()
                  .map(f -> "'" + f.toAbsolutePath().toString().replace("'", "''") + "'")
                  .collect(Collectors.joining(", "))
              + "])");
    }
  }

  /** Runs {@code sql} and reads its whole answer. */
  static QueryResult query(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return QueryResult.read(rs);
    }
  }
}
