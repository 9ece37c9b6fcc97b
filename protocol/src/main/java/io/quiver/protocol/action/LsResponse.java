package io.quiver.protocol.action;

import java.util.List;

/**
 * {@code ls}'s answer: one page of entries sorted by name.
 *
 * @param next the {@code after} of the next page, or null if this is the last
 */
public record LsResponse(List<PathInfo> entries, String next) {
  public LsResponse {
    entries = entries == null ? List.of() : List.copyOf(entries);
  }
}
