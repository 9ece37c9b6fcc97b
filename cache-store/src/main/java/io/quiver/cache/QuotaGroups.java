package io.quiver.cache;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quota groups of a {@link ChunkCache}: each group's cached entries in least recently used
 * order, their bytes, and the group's quota.
 *
 * <h2>Quotas</h2>
 *
 * With {@link CacheOptions#withQuotaGroup}, every cached entry belongs to a group (for example its
 * table); {@link ChunkCache#setQuota} bounds a group's cached bytes: a group over its quota evicts
 * its own least recently used unpinned entries without readers (demoting them like any eviction).
 * The quota is enforced when it is set, whenever the group's entries are loaded, and when their
 * readers release them; pinned and in-use entries can keep a group above its quota meanwhile. The
 * memory capacity still applies to all groups together.
 *
 * <p>Contract: this type only keeps the books and chooses victims ({@link #overQuota}); the cache
 * evicts them, counts them and demotes them. A group exists while it has a quota or cached entries.
 * The group function runs only through {@link #groupOf}, without the cache's lock.
 *
 * <p>Ownership: one instance per cache (with or without a group function), created and owned by it.
 * It references cached entries but owns no chunk.
 *
 * <p>Thread-safety: not thread-safe. The cache's field holding it is {@code @GuardedBy("lock")}:
 * every instance method is called with the cache's lock held, which also guards {@link Group}'s
 * fields and {@link CacheEntry#group}.
 */
final class QuotaGroups {
  // Logs under ChunkCache's name, as before this code left ChunkCache.
  private static final Logger LOG = LoggerFactory.getLogger(ChunkCache.class);

  /** Groups by name: groups with a quota or with cached entries. */
  private final Map<String, Group> groups = new HashMap<>();

  /**
   * The group of {@code key} by {@code function}, or null for none (no function, the function
   * returned null, or it threw: logged). Runs the function: call it without the cache's lock.
   */
  static String groupOf(Function<ColumnChunkKey, String> function, ColumnChunkKey key) {
    if (function == null) {
      return null;
    }
    try {
      return function.apply(key);
    } catch (RuntimeException e) {
      LOG.warn("quota group function failed for {}; the chunk is in no group", key, e);
      return null;
    }
  }

  /** Puts a newly cached entry into group {@code name}, as its most recently used entry. */
  Group join(String name, CacheEntry entry) {
    Group group = groups.computeIfAbsent(name, Group::new);
    entry.group = group;
    group.bytes += entry.sizeBytes;
    group.lru.add(entry);
    return group;
  }

  /** Takes an entry that is being uncached out of its group, if it has one. */
  void leave(CacheEntry entry) {
    Group group = entry.group;
    if (group == null) {
      return;
    }
    entry.group = null;
    group.bytes -= entry.sizeBytes;
    group.lru.remove(entry);
    if (group.lru.isEmpty() && group.quota < 0) {
      groups.remove(group.name, group);
    }
  }

  /** The entry's last reader released it: it is its group's most recently used entry now. */
  void used(CacheEntry entry) {
    Group group = entry.group;
    if (group != null) {
      group.lru.remove(entry);
      group.lru.add(entry);
    }
  }

  /** Sets the quota of group {@code name} (creating the group); returns it for enforcement. */
  Group setQuota(String name, long bytes) {
    Group group = groups.computeIfAbsent(name, Group::new);
    group.quota = bytes;
    return group;
  }

  /** Removes the quota of group {@code name}; whether it had one. */
  boolean clearQuota(String name) {
    Group group = groups.get(name);
    if (group == null || group.quota < 0) {
      return false;
    }
    group.quota = -1;
    if (group.lru.isEmpty()) {
      groups.remove(name);
    }
    return true;
  }

  /** Cached bytes of group {@code name} (0 if it has no entries). */
  long bytes(String name) {
    Group group = groups.get(name);
    return group == null ? 0 : group.bytes;
  }

  /**
   * The entries to evict to bring {@code group} within its quota: its least recently used entries
   * that are neither pinned nor held by a reader, until the excess is covered or none is left.
   * Empty if the group has no quota or is within it. The caller evicts them.
   */
  List<CacheEntry> overQuota(Group group) {
    if (!group.isOverQuota()) {
      return List.of();
    }
    long excess = group.bytes - group.quota;
    List<CacheEntry> chosen = new ArrayList<>();
    for (CacheEntry entry : group.lru) {
      if (excess <= 0) {
        break;
      }
      if (!entry.pinned && entry.readers == 0) {
        chosen.add(entry);
        excess -= entry.sizeBytes;
      }
    }
    return chosen;
  }

  /** Forgets every group (the cache is closing). */
  void clear() {
    groups.clear();
  }

  /** A quota group's cached entries in least recently used order; guarded by the cache's lock. */
  static final class Group {
    final String name;
    final LinkedHashSet<CacheEntry> lru = new LinkedHashSet<>();
    long bytes;

    /** The quota in bytes, or -1 for none. */
    long quota = -1;

    Group(String name) {
      this.name = name;
    }

    /** Whether the group has a quota and holds more than it. */
    boolean isOverQuota() {
      return quota >= 0 && bytes > quota;
    }
  }
}
