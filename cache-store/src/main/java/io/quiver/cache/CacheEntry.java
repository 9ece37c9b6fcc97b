package io.quiver.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One key's entry in a {@link ChunkCache}'s index: loading ({@code chunk == null}, {@code loaded}
 * pending), cached, or handed to its callers only. Its life is one {@link State}; whether it is
 * pinned ({@link #pinned}, cached entries only) and where it came from ({@link #fromDisk}) are
 * separate.
 *
 * <p>Ownership: created by the cache for a key nobody is loading, and held by its index while
 * loading or cached; {@link CachedChunk}s, the eviction order ({@link EvictionOrder}), the pinned
 * set ({@link Pins}) and quota groups ({@link QuotaGroups}) reference it. The cache holds one
 * reference to {@link #chunk} while the entry is cached, each reader one more ({@link #readers});
 * the last to release it closes the chunk.
 *
 * <p>Thread-safety: {@link #key} and {@link #loaded} are final and safe to read anywhere ({@link
 * #loaded} is how waiters learn that the load finished). Every other field is guarded by the owning
 * cache's lock ({@code ChunkCache.lock}). They carry no {@code @GuardedBy}: the lock is a field of
 * the cache, not reachable from an entry, so Error Prone could not resolve the guard; the cache's
 * helpers ({@link EvictionOrder}, {@link Pins}, {@link QuotaGroups}) are themselves confined to
 * that lock through the cache's {@code @GuardedBy("lock")} fields.
 */
final class CacheEntry {

  final ColumnChunkKey key;
  final CompletableFuture<Void> loaded = new CompletableFuture<>();
  Thread loadingThread;
  ColumnChunk chunk;
  long sizeBytes;

  /** Reader references, including callers waiting for the load. */
  int readers;

  /** Where the entry is in its life; see {@link State}. */
  State state = State.LOADING;

  /** Whether a pin holds the cached entry: it is then outside the eviction order. */
  boolean pinned;

  /** Pin rules the key matched; dead ones are pruned when pins are re-evaluated. */
  List<Pins.PinRule> rules = List.of();

  /** The ticker's time when the entry was cached. */
  long writtenAt;

  /** The {@link TinyLfuOrder} region, or {@link TinyLfuOrder#NONE}. */
  byte region;

  /** Loaded from the disk tier rather than the source. */
  boolean fromDisk;

  /** For {@link #fromDisk}: when the data was first loaded from the source, by the ticker. */
  long diskWrittenAt;

  /** Requests served from this entry while cached. */
  long hits;

  /** The quota group of a cached entry, or null. */
  QuotaGroups.Group group;

  CacheEntry(ColumnChunkKey key) {
    this.key = key;
  }

  void addRule(Pins.PinRule rule) {
    if (rules.isEmpty()) {
      rules = new ArrayList<>(2);
    }
    if (!rules.contains(rule)) {
      rules.add(rule);
    }
  }

  @Override
  public String toString() {
    return "Entry[" + key + ", " + state + (pinned ? ", pinned" : "") + "]";
  }

  /**
   * The life of a {@link CacheEntry}, guarded by the cache lock: {@code LOADING} → {@code CACHED} →
   * {@code RELEASED}, or from {@code LOADING} to {@code STREAMED}, {@code INVALIDATED} or {@code
   * RELEASED} when the result is only handed to its callers.
   */
  enum State {
    /** Being loaded; callers wait for {@link CacheEntry#loaded}. */
    LOADING,
    /** Loaded and held by the cache: in the index, and in the eviction order unless pinned. */
    CACHED,
    /** Loaded into the stream-through allocator: handed to its callers, never cached. */
    STREAMED,
    /** Invalidated while loading: the result is handed to its callers but not cached. */
    INVALIDATED,
    /** Not held by the cache (evicted, invalidated, not admitted): callers' references only. */
    RELEASED
  }
}
