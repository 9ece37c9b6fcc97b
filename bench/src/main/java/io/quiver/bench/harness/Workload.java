package io.quiver.bench.harness;

import java.util.List;
import java.util.Objects;

/**
 * What a contender is asked to do: scan {@code columns} (all when empty) of the whole table once,
 * or — when {@code concurrentClients > 0} — let that many clients each read {@code
 * requestsPerClient} scan units of those columns at the same time.
 *
 * <p>Adding a workload is one more instance in {@link BenchMain}'s list.
 */
public record Workload(
    String name, List<String> columns, int concurrentClients, int requestsPerClient) {

  public Workload {
    Objects.requireNonNull(name, "name");
    columns = List.copyOf(columns);
    if (concurrentClients < 0 || requestsPerClient < 0) {
      throw new IllegalArgumentException("negative client or request count");
    }
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
