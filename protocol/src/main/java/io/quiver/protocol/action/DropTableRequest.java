package io.quiver.protocol.action;

/** {@code drop-table}: {@code {"name": "sales.orders"}}. */
public record DropTableRequest(String name) {
  public DropTableRequest {
    ActionJson.required(name, "name");
  }
}
