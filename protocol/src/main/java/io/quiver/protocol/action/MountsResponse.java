package io.quiver.protocol.action;

import java.util.List;

/** {@code mounts}: {@code {"mounts": [...]}}. */
public record MountsResponse(List<MountInfo> mounts) {
  public MountsResponse {
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
  }
}
