package io.quiver.protocol.action;

import java.util.List;

/**
 * {@code cache-ls}'s answer: {@code {"total": 120, "bytes": ..., "entries": [...]}}, newest first.
 *
 * @param total the chunks that matched (the entries are at most the limit of them)
 * @param bytes the bytes of all matching chunks
 */
public record CacheLsResponse(long total, long bytes, List<Entry> entries) {
  public CacheLsResponse {
    entries = entries == null ? List.of() : List.copyOf(entries);
  }

  /**
   * A cached column chunk.
   *
   * @param unit the unit (row group, stripe) of the file
   * @param tier {@code memory} or {@code disk}
   * @param readers references held by running reads
   */
  public record Entry(
      String file,
      String version,
      long unit,
      String column,
      String tier,
      long bytes,
      boolean pinned,
      long readers,
      long hits,
      double ageSeconds) {}
}
