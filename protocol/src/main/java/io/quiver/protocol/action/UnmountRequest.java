package io.quiver.protocol.action;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * {@code unmount}: {@code {"path": "/sales", "force": false}}.
 *
 * @param force whether to unmount even though tables read through the mount (they stay defined and
 *     cannot be read until something is mounted there again; written only when true)
 */
public record UnmountRequest(
    String path, @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean force) {
  public UnmountRequest {
    ActionJson.required(path, "path");
  }

  /** Unmounts {@code path}, refused while tables use it. */
  public UnmountRequest(String path) {
    this(path, false);
  }
}
