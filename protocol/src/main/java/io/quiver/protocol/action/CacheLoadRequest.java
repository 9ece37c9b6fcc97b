package io.quiver.protocol.action;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code cache-load}: {@code {"table": "sales.orders", "columns": ["a"]}} (or {@code "path"}).
 *
 * @param columns the columns to load; empty (or absent) for all
 */
public record CacheLoadRequest(
    String table, String path, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> columns)
    implements Target {
  public CacheLoadRequest {
    Target.require(table, path);
    columns = ActionJson.columns(columns);
  }

  /** Loads a table (dotted name) or a namespace path (starting with /). */
  public static CacheLoadRequest of(String tableOrPath, List<String> columns) {
    return Target.isPath(tableOrPath)
        ? new CacheLoadRequest(null, tableOrPath, columns)
        : new CacheLoadRequest(tableOrPath, null, columns);
  }
}
