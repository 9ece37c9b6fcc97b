package io.quiver.protocol.action;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A mount, as {@code mount} answers and {@code mounts} lists it: {@code {"path": "/sales", "uri":
 * "file:///data/sales", "options": {...}, "status": "available"}}, with {@code "reason"} when
 * unavailable.
 *
 * @param options the mount's options, secrets masked
 * @param status {@code available} or {@code unavailable} (its store did not open)
 * @param reason why it is unavailable, or null
 */
public record MountInfo(
    String path, String uri, Map<String, String> options, String status, String reason) {
  public static final String AVAILABLE = "available";
  public static final String UNAVAILABLE = "unavailable";

  public MountInfo {
    ActionJson.required(path, "path");
    ActionJson.required(uri, "uri");
    options =
        options == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(options));
    if (status == null) {
      status = reason == null ? AVAILABLE : UNAVAILABLE;
    }
  }

  public boolean available() {
    return AVAILABLE.equals(status);
  }
}
