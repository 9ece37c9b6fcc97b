package io.quiver.protocol.action;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * {@code pin}: {@code {"table": "sales.orders", "columns": ["a"], "ttl": "2h"}} (or {@code "path"}
 * instead of {@code "table"}; in a cluster also {@code "replicas": 2}).
 *
 * @param columns the columns to keep cached; empty (or absent) for all
 * @param ttl how long, e.g. {@code 30m}, {@code 2h}, {@code 1d}; null for ever
 * @param replicas in a cluster: extra copies of the pinned files' units on other nodes, for hot
 *     data (more than the node's {@code --replicas}); null for none
 */
public record PinRequest(
    String table,
    String path,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> columns,
    String ttl,
    @JsonInclude(JsonInclude.Include.NON_NULL) Integer replicas)
    implements Target {
  public PinRequest {
    Target.require(table, path);
    columns = ActionJson.columns(columns);
    ActionJson.optional(ttl, "ttl");
    if (replicas != null && (replicas < 0 || replicas > 16)) {
      throw new IllegalArgumentException("replicas must be between 0 and 16, got " + replicas);
    }
  }

  /** Pins a table (dotted name) or a namespace path (starting with /). */
  public static PinRequest of(String tableOrPath, List<String> columns, String ttl) {
    return of(tableOrPath, columns, ttl, null);
  }

  /** Pins a table or path, with {@code replicas} extra copies in a cluster (null: none). */
  public static PinRequest of(
      String tableOrPath, List<String> columns, String ttl, Integer replicas) {
    return Target.isPath(tableOrPath)
        ? new PinRequest(null, tableOrPath, columns, ttl, replicas)
        : new PinRequest(tableOrPath, null, columns, ttl, replicas);
  }
}
