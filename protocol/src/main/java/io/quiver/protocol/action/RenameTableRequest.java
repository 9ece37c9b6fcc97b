package io.quiver.protocol.action;

/** {@code rename-table}: {@code {"name": "sales.orders", "newName": "sales.orders_2024"}}. */
public record RenameTableRequest(String name, String newName) {
  public RenameTableRequest {
    ActionJson.required(name, "name");
    ActionJson.required(newName, "newName");
  }
}
