package io.quiver.bench.harness;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * DuckDB (embedded in the harness JVM, default settings) running the query over the same Parquet
 * files on local disk, which stay in the OS page cache between runs: what a user does with the
 * files at hand and no server. Its CPU is the harness's (client) CPU.
 */
final class DuckDbLocalContender implements SqlContender {
  static final String NAME = "duckdb-local";

  private final Connection duckdb;
  private final String table;
  private QueryResult last;

  DuckDbLocalContender(BenchEnv env) throws SQLException {
    this.table = QuiverNode.table(Profile.LOOPBACK);
    this.duckdb = DuckDb.open();
    try {
      DuckDb.createView(duckdb, table, env.localFiles());
    } catch (SQLException e) {
      duckdb.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean supports(Workload workload) {
    return workload.isSql();
  }

  @Override
  public RunResult run(Workload w) throws SQLException {
    last = DuckDb.query(duckdb, w.sql().sql(table));
    return RunResult.scan(last.rowCount(), 0, -1);
  }

  @Override
  public QueryResult lastResult() {
    return last;
  }

  @Override
  public void close() throws SQLException {
    duckdb.close();
  }
}
