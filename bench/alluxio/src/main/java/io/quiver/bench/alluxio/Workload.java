package io.quiver.bench.alluxio;

import java.util.ArrayList;
import java.util.List;

/**
 * One named read workload: the columns to decode, or every column when {@link #columns()} is empty.
 * Parsed from the command line form {@code name=col1,col2} ({@code name=} for all columns).
 *
 * @param name the label reported in the results
 * @param columns projected top-level column names in request order; empty means all columns
 */
public record Workload(String name, List<String> columns) {

  public Workload {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("workload name must not be empty");
    }
    columns = List.copyOf(columns);
  }

  /**
   * Parses {@code name=col1,col2}.
   *
   * @throws IllegalArgumentException if there is no {@code =}, the name is empty, or a column name
   *     is empty (for example {@code a,,b})
   */
  public static Workload parse(String spec) {
    int eq = spec.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException(
          "workload '" + spec + "' must look like name=col1,col2 (name= for all columns)");
    }
    String name = spec.substring(0, eq).trim();
    String list = spec.substring(eq + 1).trim();
    List<String> columns = new ArrayList<>();
    if (!list.isEmpty()) {
      for (String c : list.split(",", -1)) {
        String column = c.trim();
        if (column.isEmpty()) {
          throw new IllegalArgumentException("workload '" + spec + "' has an empty column name");
        }
        columns.add(column);
      }
    }
    return new Workload(name, columns);
  }
}
