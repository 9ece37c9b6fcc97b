package io.quiver.protocol.action;

/** {@code mv}: {@code {"source": "/lake/raw/2024", "target": "/archive/2024"}}. */
public record MoveRequest(String source, String target) {
  public MoveRequest {
    ActionJson.required(source, "source");
    ActionJson.required(target, "target");
  }
}
