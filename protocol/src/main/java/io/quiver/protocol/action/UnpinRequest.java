package io.quiver.protocol.action;

/** {@code unpin}: {@code {"table": "sales.orders"}} or {@code {"path": "/lake/x"}}. */
public record UnpinRequest(String table, String path) implements Target {
  public UnpinRequest {
    Target.require(table, path);
  }

  /** Unpins a table (dotted name) or a namespace path (starting with /). */
  public static UnpinRequest of(String tableOrPath) {
    return Target.isPath(tableOrPath)
        ? new UnpinRequest(null, tableOrPath)
        : new UnpinRequest(tableOrPath, null);
  }
}
