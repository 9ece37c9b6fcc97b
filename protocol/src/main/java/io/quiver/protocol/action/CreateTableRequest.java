package io.quiver.protocol.action;

import java.util.Map;

/**
 * {@code create-table}: {@code {"name": "sales.orders", "path": "/sales/orders", "format":
 * "parquet", "partitions": {"day": "date"}}}.
 *
 * @param format {@code parquet}, {@code orc}, or null to take it from the files' extension
 * @param partitions declared types ({@code int64}, {@code date}, {@code string}) of some hive-style
 *     partition columns; the others are inferred. Optional.
 */
public record CreateTableRequest(
    String name, String path, String format, Map<String, String> partitions) {
  public CreateTableRequest {
    ActionJson.required(name, "name");
    ActionJson.required(path, "path");
    partitions =
        partitions == null || partitions.isEmpty()
            ? null
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(partitions));
  }

  /** A table whose partition column types (if any) are all inferred. */
  public CreateTableRequest(String name, String path, String format) {
    this(name, path, format, null);
  }
}
