package io.quiver.server;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.catalog.Mount;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Per-mount cache quotas: the chunks of files under a mount with a {@code cache-quota} option form
 * one quota group (named by the mount's namespace path) whose bytes the cache keeps within the
 * quota by evicting the group's own coldest chunks.
 *
 * <p>{@link #groupOf} runs inside the cache, possibly under its lock: it only scans an immutable
 * list of a few prefixes. Thread-safe; {@link #apply} is called when mounts change.
 */
final class CacheQuotas {
  private record Rule(String prefix, String exact, String group) {}

  private volatile List<Rule> rules = List.of();

  @GuardedBy("this")
  private final Set<String> applied = new HashSet<>();

  /** The quota group of a chunk: the deepest mount with a quota containing its file, or null. */
  String groupOf(ColumnChunkKey key) {
    String file = key.file();
    for (Rule r : rules) { // deepest first
      if (file.startsWith(r.prefix()) || file.equals(r.exact())) {
        return r.group();
      }
    }
    return null;
  }

  /**
   * Makes the cache's quotas those of {@code mounts}.
   *
   * @throws IllegalArgumentException if a quota is not a size
   */
  synchronized void apply(List<Mount> mounts, ChunkCache cache) {
    List<Rule> next = new ArrayList<>();
    Set<String> groups = new HashSet<>();
    for (Mount m : mounts) {
      if (m.cacheQuota() == null) {
        continue;
      }
      long bytes = parse(m.cacheQuota());
      String target = m.target().toString();
      String group = m.path().toString();
      next.add(new Rule(target.endsWith("/") ? target : target + "/", target, group));
      cache.setQuota(group, bytes);
      groups.add(group);
    }
    next.sort(Comparator.comparingInt((Rule r) -> r.prefix().length()).reversed());
    rules = List.copyOf(next);
    for (String old : applied) {
      if (!groups.contains(old)) {
        cache.clearQuota(old);
      }
    }
    applied.clear();
    applied.addAll(groups);
  }

  /**
   * @throws IllegalArgumentException naming the option if {@code quota} is not a size
   */
  static long parse(String quota) {
    try {
      return ByteSize.parse(quota);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Bad " + Mount.CACHE_QUOTA_OPTION + " '" + quota + "': " + e.getMessage(), e);
    }
  }
}
