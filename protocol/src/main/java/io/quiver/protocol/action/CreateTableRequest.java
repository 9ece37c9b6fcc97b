package io.quiver.protocol.action;

/**
 * {@code create-table}: {@code {"name": "sales.orders", "path": "/sales/orders", "format":
 * "parquet"}}.
 *
 * @param format {@code parquet}, {@code orc}, or null to take it from the files' extension
 */
public record CreateTableRequest(String name, String path, String format) {
  public CreateTableRequest {
    ActionJson.required(name, "name");
    ActionJson.required(path, "path");
  }
}
