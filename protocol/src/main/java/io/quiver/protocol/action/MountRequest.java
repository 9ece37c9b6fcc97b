package io.quiver.protocol.action;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code mount}: {@code {"path": "/sales", "uri": "file:///data/sales", "options": {}, "force":
 * false}}.
 *
 * @param path the namespace path to mount at
 * @param uri the store location
 * @param options store and Quiver options (never null; absent means none)
 * @param force whether to mount below another mount even if tables there then read the new one
 *     (written only when true)
 */
public record MountRequest(
    String path,
    String uri,
    Map<String, String> options,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean force) {
  public MountRequest {
    ActionJson.required(path, "path");
    ActionJson.required(uri, "uri");
    if (options == null) {
      options = Map.of();
    } else {
      for (Map.Entry<String, String> e : options.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          throw new IllegalArgumentException("\"options\" must be an object of strings");
        }
      }
      options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }
  }

  public MountRequest(String path, String uri, Map<String, String> options) {
    this(path, uri, options, false);
  }
}
