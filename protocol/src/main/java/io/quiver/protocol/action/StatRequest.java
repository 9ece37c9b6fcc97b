package io.quiver.protocol.action;

/** {@code stat}: {@code {"path": "/lake/sales/2024/a.parquet"}}. */
public record StatRequest(String path) {
  public StatRequest {
    ActionJson.required(path, "path");
  }
}
