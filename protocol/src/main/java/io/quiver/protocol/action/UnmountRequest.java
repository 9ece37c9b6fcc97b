package io.quiver.protocol.action;

/** {@code unmount}: {@code {"path": "/sales"}}. */
public record UnmountRequest(String path) {
  public UnmountRequest {
    ActionJson.required(path, "path");
  }
}
