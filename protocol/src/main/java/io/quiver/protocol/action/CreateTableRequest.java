package io.quiver.protocol.action;

import java.util.Map;

/**
 * {@code create-table}: {@code {"name": "sales.orders", "path": "/sales/orders", "format":
 * "parquet", "partitions": {"day": "date"}, "schema": "id int64, name string"}}.
 *
 * @param format {@code parquet}, {@code orc}, or null to take it from the files' extension
 * @param partitions declared types ({@code int64}, {@code date}, {@code string}) of some hive-style
 *     partition columns; the others are inferred. Optional.
 * @param schema the table's declared columns, {@code name type, ...} with Arrow types by pyarrow's
 *     names ({@code int64}, {@code string}, {@code timestamp[us]}, {@code date32}, {@code
 *     decimal128(12, 2)}, …); files are read against it. Optional: null infers the columns from the
 *     files.
 */
public record CreateTableRequest(
    String name, String path, String format, Map<String, String> partitions, String schema) {
  public CreateTableRequest {
    ActionJson.required(name, "name");
    ActionJson.required(path, "path");
    partitions =
        partitions == null || partitions.isEmpty()
            ? null
            : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(partitions));
    schema = schema == null || schema.isBlank() ? null : schema;
  }

  /** A table whose partition column types (if any) are all inferred. */
  public CreateTableRequest(String name, String path, String format) {
    this(name, path, format, null, null);
  }

  /** A table whose columns are inferred from its files. */
  public CreateTableRequest(
      String name, String path, String format, Map<String, String> partitions) {
    this(name, path, format, partitions, null);
  }
}
