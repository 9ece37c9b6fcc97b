package io.quiver.protocol.action;

/**
 * {@code ls}: {@code {"path": "/lake/sales", "after": "2024", "limit": 1000}}.
 *
 * @param after list entries after this name (the previous page's {@code next}); null from the start
 * @param limit at most this many entries (null: {@link #DEFAULT_LIMIT}; at most {@link #MAX_LIMIT})
 */
public record LsRequest(String path, String after, Integer limit) {
  public static final int DEFAULT_LIMIT = 1000;
  public static final int MAX_LIMIT = 10_000;

  public LsRequest {
    ActionJson.required(path, "path");
    if (limit != null && (limit <= 0 || limit > MAX_LIMIT)) {
      throw new IllegalArgumentException("\"limit\" must be 1.." + MAX_LIMIT);
    }
  }

  public int limitOrDefault() {
    return limit == null ? DEFAULT_LIMIT : limit;
  }
}
