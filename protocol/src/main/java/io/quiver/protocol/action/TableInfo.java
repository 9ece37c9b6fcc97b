package io.quiver.protocol.action;

/** A table, as {@code tables} lists it: {@code {"name": ..., "path": ..., "format": ...}}. */
public record TableInfo(String name, String path, String format) {
  public TableInfo {
    ActionJson.required(name, "name");
    ActionJson.required(path, "path");
  }
}
