package io.quiver.protocol.action;

/**
 * {@code create-table}'s answer: the table and what it holds now, {@code {"name": "sales.orders",
 * "path": "/sales/orders", "format": "parquet", "files": 3, "rows": 1000}}.
 */
public record CreateTableResponse(String name, String path, String format, long files, long rows) {
  public TableInfo table() {
    return new TableInfo(name, path, format);
  }
}
