package io.quiver.protocol.action;

/**
 * {@code cache-ls}: {@code {"table": "sales.orders", "limit": 100}}; {@code "path"} instead of a
 * table, or neither for every cached chunk.
 *
 * @param limit at most this many entries (null: {@link #DEFAULT_LIMIT})
 */
public record CacheLsRequest(String table, String path, Integer limit) implements Target {
  public static final int DEFAULT_LIMIT = 1000;

  public CacheLsRequest {
    Target.check(table, path);
    if (limit != null && limit <= 0) {
      throw new IllegalArgumentException("\"limit\" must be positive");
    }
  }

  /** Lists a table's (dotted name) or a path's (starting with /) chunks, or all for null. */
  public static CacheLsRequest of(String tableOrPath, Integer limit) {
    if (tableOrPath == null) {
      return new CacheLsRequest(null, null, limit);
    }
    return Target.isPath(tableOrPath)
        ? new CacheLsRequest(null, tableOrPath, limit)
        : new CacheLsRequest(tableOrPath, null, limit);
  }

  public int limitOrDefault() {
    return limit == null ? DEFAULT_LIMIT : limit;
  }
}
