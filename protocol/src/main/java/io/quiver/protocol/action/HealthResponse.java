package io.quiver.protocol.action;

/** {@code health}: {@code {"status": "ok"}}. */
public record HealthResponse(String status) {
  public static final HealthResponse OK = new HealthResponse("ok");
}
