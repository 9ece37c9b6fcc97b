package io.quiver.protocol.action;

/** {@code describe-table}: {@code {"name": "sales.orders"}}. */
public record DescribeTableRequest(String name) {
  public DescribeTableRequest {
    ActionJson.required(name, "name");
  }
}
