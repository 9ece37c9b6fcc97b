package io.quiver.protocol.action;

/** {@code refresh}: {@code {"path": "/lake/sales"}} or {@code {"table": "sales.orders"}}. */
public record RefreshRequest(String table, String path) implements Target {
  public RefreshRequest {
    Target.require(table, path);
  }

  /** Refreshes a table (dotted name) or a path (starting with /). */
  public static RefreshRequest of(String tableOrPath) {
    return Target.isPath(tableOrPath)
        ? new RefreshRequest(null, tableOrPath)
        : new RefreshRequest(tableOrPath, null);
  }
}
