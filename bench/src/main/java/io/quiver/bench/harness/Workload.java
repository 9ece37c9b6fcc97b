package io.quiver.bench.harness;

import java.util.List;
import java.util.Objects;

/**
 * What a contender is asked to do: scan {@code columns} (all when empty) of the whole table once,
 * or — when {@code concurrentClients > 0} — let that many clients each read {@code
 * requestsPerClient} scan units of those columns at the same time, or — when {@code sql} is set —
 * run that query ({@code columns} are then the columns it reads). SQL workloads go only to {@link
 * SqlContender}s, the others only to the other contenders.
 *
 * <p>Adding a workload is one more instance in {@link BenchMain}'s list.
 */
public record Workload(
    String name, List<String> columns, int concurrentClients, int requestsPerClient, SqlQuery sql) {

  public Workload {
    Objects.requireNonNull(name, "name");
    columns = List.copyOf(columns);
    if (concurrentClients < 0 || requestsPerClient < 0) {
      throw new IllegalArgumentException("negative client or request count");
    }
    if (sql != null && concurrentClients > 0) {
      throw new IllegalArgumentException("a SQL workload has no concurrent mode");
    }
  }

  /** A scan workload (no SQL). */
  public Workload(String name, List<String> columns, int concurrentClients, int requestsPerClient) {
    this(name, columns, concurrentClients, requestsPerClient, null);
  }

  /** The SQL workload running {@code query}, which reads {@code columns} of the table. */
  public static Workload sql(SqlQuery query, List<String> allColumns) {
    return new Workload(query.name(), query.columns(allColumns), 0, 0, query);
  }

  public boolean isSql() {
    return sql != null;
  }

  /** A single-client scan of {@code columns} (all when empty). */
  public static Workload scan(String name, List<String> columns) {
    return new Workload(name, columns, 0, 0);
  }

  public boolean isConcurrent() {
    return concurrentClients > 0;
  }

  /** The columns to read: {@code columns}, or {@code all} when it is empty. */
  public List<String> columnsOr(List<String> all) {
    return columns.isEmpty() ? all : columns;
  }
}
