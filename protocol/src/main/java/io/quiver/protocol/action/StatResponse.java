package io.quiver.protocol.action;

import java.util.List;

/**
 * {@code stat}'s answer.
 *
 * @param entry what the path is
 * @param mount the mount it is read through (null for a path above every mount)
 * @param sync that mount's sync policy ({@code always}, {@code interval=30s}, {@code never})
 * @param tables the tables over this path or a path below it
 */
public record StatResponse(PathInfo entry, String mount, String sync, List<String> tables) {
  public StatResponse {
    java.util.Objects.requireNonNull(entry, "entry");
    tables = tables == null ? List.of() : List.copyOf(tables);
  }
}
