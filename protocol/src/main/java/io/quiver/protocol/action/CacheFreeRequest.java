package io.quiver.protocol.action;

/**
 * {@code cache-free}: {@code {"table": "sales.orders"}}, {@code {"path": "/lake/x"}}, or {@code {}}
 * for everything.
 */
public record CacheFreeRequest(String table, String path) implements Target {
  public static final CacheFreeRequest ALL = new CacheFreeRequest(null, null);

  public CacheFreeRequest {
    Target.check(table, path);
  }

  /** Frees a table's (dotted name) or a namespace path's (starting with /) chunks. */
  public static CacheFreeRequest of(String tableOrPath) {
    return Target.isPath(tableOrPath)
        ? new CacheFreeRequest(null, tableOrPath)
        : new CacheFreeRequest(tableOrPath, null);
  }
}
