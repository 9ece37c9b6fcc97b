package io.quiver.protocol.action;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code pin}: {@code {"table": "sales.orders", "columns": ["a"], "ttl": "2h"}} (or {@code "path"}
 * instead of {@code "table"}).
 *
 * @param columns the columns to keep cached; empty (or absent) for all
 * @param ttl how long, e.g. {@code 30m}, {@code 2h}, {@code 1d}; null for ever
 */
public record PinRequest(
    String table,
    String path,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> columns,
    String ttl)
    implements Target {
  public PinRequest {
    Target.require(table, path);
    columns = ActionJson.columns(columns);
    ActionJson.optional(ttl, "ttl");
  }

  /** Pins a table (dotted name) or a namespace path (starting with /). */
  public static PinRequest of(String tableOrPath, List<String> columns, String ttl) {
    return Target.isPath(tableOrPath)
        ? new PinRequest(null, tableOrPath, columns, ttl)
        : new PinRequest(tableOrPath, null, columns, ttl);
  }
}
