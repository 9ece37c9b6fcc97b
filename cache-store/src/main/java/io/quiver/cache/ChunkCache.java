package io.quiver.cache;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.quiver.cache.CacheEntry.State;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.arrow.memory.AllocationListener;
import org.apache.arrow.memory.AllocationOutcome;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An off-heap cache of decoded column chunks with a hard memory bound, a choice of eviction policy
 * (LRU or TinyLFU), pinning, optional expiry, reference-counted entries, single-flight loading, an
 * optional local-disk tier that survives restarts, stream-through when full, per-group quotas and
 * metrics.
 *
 * <p><b>Size.</b> This class is larger than the project's ~800-line guideline because it is both
 * the documented public API (its constructors and public methods with their javadoc take about 680
 * lines) and the core that must stay under one lock: the index, reference counts, single-flight
 * loading, eviction and expiry share invariants (evictable bytes, the eviction order, entry states)
 * that no other type could keep without that lock. Everything else lives in its own type (issue
 * 12).
 *
 * <h2>Pieces</h2>
 *
 * Split the way Caffeine splits its bounded cache: this class is the index, reference counting and
 * single-flight loading, and the facade of
 *
 * <ul>
 *   <li>{@link CacheOptions}: the configuration;
 *   <li>{@code CacheEntry}: one key's entry and its life ({@code CacheEntry.State});
 *   <li>{@code EvictionOrder} / {@code TinyLfuOrder}: the eviction policy;
 *   <li>{@code Pins}: key pins, pin rules and their time to live;
 *   <li>{@code QuotaGroups}: per-group quotas;
 *   <li>{@code TierCoordinator}: the disk tier (demotion, promotion, warm restart) and
 *       stream-through, over {@code DiskTier};
 *   <li>{@code CacheCounters}: the counters behind {@link #stats()} and {@link #metrics()};
 *   <li>{@code LoaderCalls}: calling a {@link ChunkLoader} and checking its result;
 *   <li>{@link Ticker}: the time source for pins and expiry.
 * </ul>
 *
 * <h2>Tiers</h2>
 *
 * Memory is the first tier. With {@link CacheOptions#withDiskTier} a second tier of Arrow IPC files
 * sits behind it: entries evicted from memory are <em>demoted</em> there and memory misses are
 * <em>promoted</em> from there; a new cache re-indexes a previous instance's files while already
 * serving (see {@link #reindexed()}). With {@link CacheOptions#withStreamThrough}, a load that
 * cannot get memory because everything cached is pinned or held by readers runs again against a
 * separate allocator ({@value #OVERFLOW_ALLOCATOR_NAME}) and {@link #getAll} returns chunks that
 * are not cached ({@link CachedChunk#uncached()}). {@code TierCoordinator} does both and describes
 * them.
 *
 * <h2>Quotas</h2>
 *
 * With {@link CacheOptions#withQuotaGroup}, {@link #setQuota} bounds the cached bytes of a group of
 * entries (for example a table's); see {@code QuotaGroups}.
 *
 * <h2>Capacity</h2>
 *
 * The cache owns a child allocator named {@value #ALLOCATOR_NAME} of the given parent, limited to
 * {@code capacityBytes}; loaders allocate all chunk data there ({@link #allocator()}). Files mapped
 * from the disk tier are accounted there as well, at their full file size ({@link
 * BufferAllocator#wrapForeignAllocation}): mapped pages count against the memory capacity, so the
 * bound covers everything the cache keeps resident, whichever tier it came from. Disk capacity is
 * per directory and counts committed file sizes; a write in progress reserves an estimate of its
 * size, and the real size is re-checked before the file is indexed. Arrow's accounting makes the
 * limit a hard bound: a successful allocation never takes the allocator above it, whether the bytes
 * are cached, held by readers or part of a load in progress. Sizes are Arrow's: buffers below 16
 * MiB are rounded up to a power of two, and {@link ColumnChunk#sizeBytes()} counts the rounded
 * sizes, so the cache holds fewer data bytes than its capacity.
 *
 * <p>The allocator's {@link AllocationListener} makes room on demand. Before an allocation that
 * would not fit ({@code onPreAllocation}), and again if Arrow refused it anyway because a
 * concurrent allocation took the room first ({@code onFailedAllocation}, after which Arrow retries
 * once), it evicts entries that no reader holds and nobody pinned, in the order of the {@link
 * EvictionPolicy} (and first any entries past {@link CacheOptions#expireAfterWrite()}), until the
 * request fits (plus the optional eviction margin). If even evicting every such entry would not be
 * enough, it evicts nothing and the allocation fails with Arrow's {@link OutOfMemoryException},
 * which the cache reports as {@link CacheCapacityException}. If an allocation failed although the
 * listener did not refuse it on the loading thread (it lost such a race twice) and entries are
 * evictable, the cache calls the loader again, at most {@value #MAX_LOAD_ATTEMPTS} times in all.
 *
 * <p>Arrow's peak statistic ({@code getPeakMemoryAllocation()}) is exact only if no attempt is
 * refused: the accountant adds a refused attempt's bytes before checking the limit and removes them
 * after, and a concurrent successful allocation can record that sum as the peak although the memory
 * was never allocated. See {@link #ChunkCache(BufferAllocator, long, long)}.
 *
 * <h2>Ownership</h2>
 *
 * The cache holds one reference per entry; every {@link CachedChunk} returned is one more
 * reference, owned by the caller. Eviction and invalidation drop only the cache's reference; the
 * chunk is closed when the last reference goes, so a reader's data is never freed under it. An
 * entry a reader holds is never chosen for eviction.
 *
 * <h2>Eviction order</h2>
 *
 * An entry in use is never a candidate; among the others, {@link EvictionPolicy} chooses (see
 * {@code EvictionOrder}).
 *
 * <h2>Pinning</h2>
 *
 * A pinned entry is never evicted. {@link #pin} pins one key, {@link #pinAll} installs a named
 * rule; both may have a time to live by the {@link Ticker}. See {@code Pins} for the rules.
 *
 * <h2>Expiry</h2>
 *
 * With {@link CacheOptions#expireAfterWrite()} set, an entry older than that (by the {@link
 * Ticker}) is never served: a request finds it absent (and drops it), and eviction drops expired
 * entries before choosing victims by policy. {@link #cleanUp()} drops them eagerly.
 *
 * <h2>Metrics and listing</h2>
 *
 * {@link #stats()} is the compact summary and {@link #metrics()} the per-tier view, both built from
 * the counters in {@code CacheCounters}. {@link #entries} lists entries of both tiers for {@code
 * quiver cache ls}.
 *
 * <h2>Thread-safety</h2>
 *
 * All methods are thread-safe. One internal lock ({@code lock}) guards the index, the gauges
 * (entries, bytes, references, loads in progress, evictable bytes), the eviction order, the pins,
 * the quota groups and the mutable fields of every entry; fields it guards are marked
 * {@code @GuardedBy("lock")}, as are the private helpers that must be called with it held. The
 * helpers it guards ({@code EvictionOrder}, {@code Pins}, {@code QuotaGroups}) are not thread-safe
 * themselves and are only reached through those fields. The counters ({@code CacheCounters}) are
 * thread-safe, and are updated and read under the lock so that snapshots are consistent. The lock
 * is never held while a loader runs, while chunks are closed, during disk I/O ({@code
 * TierCoordinator} never holds it), or while user predicates and quota-group functions run. The
 * disk tier has its own lock; the two are never held together.
 */
public final class ChunkCache implements AutoCloseable {
  /** The name of the cache's allocator. */
  public static final String ALLOCATOR_NAME = "chunk-cache";

  /** The name of the stream-through allocator. */
  public static final String OVERFLOW_ALLOCATOR_NAME = "chunk-cache-stream-through";

  private static final Logger LOG = LoggerFactory.getLogger(ChunkCache.class);

  /**
   * Loader calls per {@link #getAll} when allocations keep losing races for memory that the
   * listener freed (see {@link #lostAllocationRace}); a refusal is never retried.
   */
  static final int MAX_LOAD_ATTEMPTS = 4;

  private final BufferAllocator allocator;

  /** Where the memory tier keeps chunks in shared memory; null for ordinary memory. */
  private final SharedMemory shared;

  private final long capacityBytes;
  private final long evictionMarginBytes;
  private final Ticker ticker;

  /** Nanoseconds after loading that an entry expires, or 0 for never. */
  private final long expireAfterWriteNanos;

  /** The disk tier and the stream-through allocator: demotion, promotion, stream-through. */
  private final TierCoordinator tiers;

  /** Maps keys to quota groups, or null without quotas. */
  private final Function<ColumnChunkKey, String> quotaGroup;

  /** The cumulative counters; thread-safe, but updated and read under the lock for snapshots. */
  private final CacheCounters counters = new CacheCounters();

  /** Size of the last allocation the listener refused on this thread, for the error message. */
  private final ThreadLocal<Long> refusedRequest = new ThreadLocal<>();

  /**
   * The cache's one lock. It guards the fields below, the helpers they hold (not thread-safe
   * themselves: {@link EvictionOrder}, {@link Pins}, {@link QuotaGroups}) and every {@link
   * CacheEntry} field but the final ones.
   */
  private final Object lock = new Object();

  /** Told about every key {@link #getAll} returns; null for none. */
  private volatile AccessRecorder accessRecorder;

  /** Entries being loaded and entries the cache holds a reference to. */
  @GuardedBy("lock")
  private final Map<ColumnChunkKey, CacheEntry> index = new HashMap<>();

  /** The eviction order of cached, unpinned entries. */
  @GuardedBy("lock")
  private final EvictionOrder order;

  /** Cached entries in load order, when entries expire (load order is then expiry order). */
  @GuardedBy("lock")
  private final LinkedHashSet<CacheEntry> writeOrder = new LinkedHashSet<>();

  /** Key pins, pin rules and the pinned entries. */
  @GuardedBy("lock")
  private final Pins pins = new Pins();

  /** Bytes of cached entries without readers and not pinned. */
  @GuardedBy("lock")
  private long evictableBytes;

  @GuardedBy("lock")
  private long cachedEntries;

  @GuardedBy("lock")
  private long cachedBytes;

  @GuardedBy("lock")
  private long readerReferences;

  @GuardedBy("lock")
  private long loadsInProgress;

  /** Quota groups: their entries, bytes and quotas. */
  @GuardedBy("lock")
  private final QuotaGroups quotas = new QuotaGroups();

  /** Cached entries by file, row group and column, to find other versions of a loaded chunk. */
  @GuardedBy("lock")
  private final Map<Slot, List<CacheEntry>> slots = new HashMap<>();

  @GuardedBy("lock")
  private boolean closed;

  /**
   * Creates a cache that evicts exactly as much as each allocation needs.
   *
   * @param parent the allocator to create the cache's allocator under; borrowed, must outlive this
   *     cache
   * @param capacityBytes the limit of the cache's allocator: off-heap bytes held by cached data,
   *     data held by readers and loads in progress never exceed it
   * @throws IllegalArgumentException if {@code capacityBytes} is not positive
   */
  public ChunkCache(BufferAllocator parent, long capacityBytes) {
    this(parent, capacityBytes, 0);
  }

  /**
   * Creates a cache that, when it has to evict, evicts until the allocation fits with {@code
   * evictionMarginBytes} to spare.
   *
   * <p>The margin is for concurrency: with several threads loading into a full cache, the room one
   * thread's eviction made can be taken by another thread's allocation before the first allocates.
   * Arrow then refuses the first attempt; the cache recovers (it evicts again, and as a last resort
   * calls the loader again), but a refused attempt costs time and makes the allocator's peak
   * statistic overstate real use by the refused size. A margin of about (loading threads - 1) times
   * the largest single buffer a loader allocates makes such collisions practically disappear, at
   * the price of keeping that many bytes free once the cache is full.
   *
   * @param parent the allocator to create the cache's allocator under; borrowed, must outlive this
   *     cache
   * @param capacityBytes the limit of the cache's allocator
   * @param evictionMarginBytes bytes to keep free when evicting; 0 evicts exactly what is needed
   * @throws IllegalArgumentException if {@code capacityBytes} is not positive or the margin is
   *     negative or not below the capacity
   */
  public ChunkCache(BufferAllocator parent, long capacityBytes, long evictionMarginBytes) {
    this(
        Objects.requireNonNull(parent, "parent"),
        CacheOptions.of(capacityBytes).withEvictionMargin(evictionMarginBytes));
  }

  /**
   * Creates a cache with the given options. With a disk tier, opens and locks its directories and
   * starts re-indexing the files a previous instance left there on {@link CacheOptions#executor()};
   * the cache serves meanwhile (see {@link #reindexed()}).
   *
   * @param parent the allocator to create the cache's allocator (and the stream-through allocator)
   *     under; borrowed, must outlive this cache
   * @param options capacity, eviction margin, policy, ticker, expiry, disk tier, stream-through and
   *     quotas
   * @throws java.io.UncheckedIOException if a disk directory cannot be created or locked
   * @throws IllegalStateException if another cache uses a disk directory
   */
  public ChunkCache(BufferAllocator parent, CacheOptions options) {
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(options, "options");
    this.capacityBytes = options.capacityBytes();
    this.evictionMarginBytes = options.evictionMarginBytes();
    this.ticker = options.ticker();
    this.expireAfterWriteNanos =
        options.expireAfterWrite() == null ? 0 : saturatedNanos(options.expireAfterWrite());
    this.order = EvictionOrder.create(options.evictionPolicy(), capacityBytes, evictionMarginBytes);
    if (order instanceof TinyLfuOrder tinyLfu) {
      // The order calls this only under the lock (it is itself guarded by it).
      Pins guardedPins = pins;
      tinyLfu.pinnedBytes(guardedPins::pinnedBytes);
    }
    this.quotaGroup = options.quotaGroup();
    DiskTier disk =
        options.diskDirectories().isEmpty()
            ? null
            : new DiskTier(options.diskDirectories(), options.ticker());
    BufferAllocator cacheAllocator = null;
    BufferAllocator overflow;
    SharedMemory sharedMemory = null;
    try {
      if (options.sharedMemory() != null) {
        try {
          sharedMemory = SharedMemory.create(options.sharedMemory());
        } catch (java.io.IOException e) {
          throw new IllegalStateException(
              "cannot keep the memory tier in shared memory under "
                  + options.sharedMemory().parent()
                  + ": "
                  + e.getMessage(),
              e);
        }
      }
      cacheAllocator =
          parent.newChildAllocator(ALLOCATOR_NAME, new EvictingListener(), 0, capacityBytes);
      overflow =
          options.streamThroughBytes() > 0
              ? parent.newChildAllocator(OVERFLOW_ALLOCATOR_NAME, 0, options.streamThroughBytes())
              : null;
    } catch (RuntimeException | Error e) {
      if (cacheAllocator != null) {
        cacheAllocator.close();
      }
      if (sharedMemory != null) {
        sharedMemory.close();
      }
      if (disk != null) {
        disk.close();
      }
      throw e;
    }
    this.allocator = cacheAllocator;
    this.shared = sharedMemory;
    this.tiers =
        new TierCoordinator(
            disk, cacheAllocator, overflow, counters, this::isExpiredAt, new AllocationFailures());
    tiers.startReindex(options.executor(), options.versionCheck());
  }

  /**
   * The shared-memory directory the memory tier lives in ({@link CacheOptions#withSharedMemory}),
   * or null if chunks are in ordinary off-heap memory. Chunks that are in it name their file
   * ({@link ColumnChunk#file()}).
   */
  public SharedMemory sharedMemory() {
    return shared;
  }

  /**
   * Completes when the disk tier's files from a previous run are indexed (at once without a disk
   * tier); exceptionally if the re-index failed (the tier then serves only what this instance
   * writes). Until then such files are not found and misses go to the loader.
   */
  public CompletableFuture<Void> reindexed() {
    return tiers.reindexed();
  }

  /**
   * The cache's allocator, for loaders. Borrowed: never close it; allocate there only data that is
   * handed to the cache as a {@link ColumnChunk} or freed before the loader returns.
   */
  public BufferAllocator allocator() {
    return allocator;
  }

  /**
   * Returns a reference to the chunk of every key, loading the missing ones.
   *
   * <p>Keys found in memory are hits. Keys that nobody is loading are read from the disk tier if it
   * has them, and all others are loaded with one call to {@code loader}, on this thread, without
   * holding any lock. With stream-through, a load that does not fit is handed back uncached instead
   * of failing (see the class documentation). Keys another caller is loading are not loaded again:
   * after its own load, this call waits for those loads and shares their result. If a load fails,
   * nothing of it is cached, every caller waiting for it fails, and the cache is left as if it had
   * not been attempted.
   *
   * @param keys the keys; duplicates are returned once
   * @param loader decodes the keys nobody is loading; see {@link ChunkLoader} for its contract
   * @return one reference per distinct key, in the order of {@code keys}; the caller owns the map's
   *     references and must close each. On failure no reference is left open.
   * @throws IOException if this call's load fails with an {@link IOException} (the loader's own
   *     exception), if a load this call waited for failed (an {@link IOException} whose cause is
   *     that load's failure), or if interrupted while waiting ({@link InterruptedIOException})
   * @throws CacheCapacityException if the load could not get memory because the rest is held by
   *     readers, pinned, or held by loads in progress
   * @throws IllegalStateException if the cache is closed, if the loader broke its contract (a
   *     missing chunk, data from another allocator), or if the loader calls back for a key it is
   *     loading
   */
  public Map<ColumnChunkKey, CachedChunk> getAll(List<ColumnChunkKey> keys, ChunkLoader loader)
      throws IOException {
    Objects.requireNonNull(loader, "loader");
    Set<ColumnChunkKey> distinct = new LinkedHashSet<>(keys.size());
    for (ColumnChunkKey key : keys) {
      distinct.add(Objects.requireNonNull(key, "key"));
    }
    Map<ColumnChunkKey, CacheEntry> acquired = new LinkedHashMap<>(distinct.size() * 2);
    List<CacheEntry> toLoad = new ArrayList<>();
    List<CacheEntry> toAwait = new ArrayList<>();
    List<ColumnChunk> expired = new ArrayList<>();
    Thread self = Thread.currentThread();
    synchronized (lock) {
      ensureOpen();
      for (ColumnChunkKey key : distinct) {
        CacheEntry entry = index.get(key);
        if (entry != null && entry.chunk == null && entry.loadingThread == self) {
          throw new IllegalStateException(
              "a loader called back into the cache for " + key + ", which it is loading itself");
        }
      }
      long now = ticker.nanos();
      for (ColumnChunkKey key : distinct) {
        order.recordAccess(key);
        CacheEntry entry = dropIfExpiredLocked(index.get(key), now, expired);
        if (entry == null) {
          entry = new CacheEntry(key);
          entry.loadingThread = self;
          index.put(key, entry);
          toLoad.add(entry);
          counters.misses.increment();
        } else if (entry.chunk != null) {
          counters.hits.increment();
          entry.hits++;
        } else {
          toAwait.add(entry);
          counters.misses.increment();
        }
        // For loading entries this reference is taken now, so the entry cannot be evicted
        // between the end of the load and the moment this caller picks it up.
        retainLocked(entry);
        acquired.put(key, entry);
      }
      if (!toLoad.isEmpty()) {
        loadsInProgress++;
      }
    }
    try {
      LoaderCalls.closeChunks(expired);
    } catch (RuntimeException e) {
      if (!toLoad.isEmpty()) {
        fail(toLoad, e);
      }
      releaseAll(acquired.values(), e);
      throw e;
    }
    try {
      if (!toLoad.isEmpty()) {
        load(toLoad, loader);
      }
      for (CacheEntry entry : toAwait) {
        await(entry);
      }
    } catch (IOException | RuntimeException | Error e) {
      releaseAll(acquired.values(), e);
      throw e;
    }
    Map<ColumnChunkKey, CachedChunk> result = new LinkedHashMap<>(acquired.size() * 2);
    synchronized (lock) {
      for (CacheEntry entry : acquired.values()) {
        result.put(entry.key, new CachedChunk(this, entry, entry.chunk));
      }
    }
    AccessRecorder recorder = accessRecorder;
    if (recorder != null) {
      try {
        for (CachedChunk ref : result.values()) {
          recorder.accessed(ref.key(), ref.chunk().sizeBytes());
        }
      } catch (RuntimeException | Error e) {
        for (CachedChunk ref : result.values()) {
          ref.close();
        }
        throw e;
      }
    }
    return Collections.unmodifiableMap(result);
  }

  /**
   * Tells {@code recorder} about every key each later {@link #getAll} call returns, with its
   * chunk's size: the request trace the policy simulator replays (see {@link AccessTraceFile}).
   * Null stops recording. Thread-safe; calls already running may still report to the previous
   * recorder.
   */
  public void recordAccesses(AccessRecorder recorder) {
    this.accessRecorder = recorder;
  }

  /**
   * Returns a reference to the chunk of {@code key} if it is in memory; does not wait for a load in
   * progress and never loads.
   *
   * @return a reference the caller owns and must close, or null
   * @throws IllegalStateException if the cache is closed
   */
  public CachedChunk getIfPresent(ColumnChunkKey key) {
    Objects.requireNonNull(key, "key");
    List<ColumnChunk> expired = new ArrayList<>(1);
    CachedChunk result = null;
    synchronized (lock) {
      ensureOpen();
      order.recordAccess(key);
      CacheEntry entry = dropIfExpiredLocked(index.get(key), ticker.nanos(), expired);
      if (entry == null || entry.chunk == null) {
        counters.misses.increment();
      } else {
        counters.hits.increment();
        entry.hits++;
        retainLocked(entry);
        result = new CachedChunk(this, entry, entry.chunk);
      }
    }
    if (!expired.isEmpty()) {
      try {
        LoaderCalls.closeChunks(expired);
      } catch (RuntimeException e) {
        if (result != null) {
          result.close();
        }
        throw e;
      }
    }
    return result;
  }

  /**
   * Pins {@code key}: while the pin lives, the key's entry is never evicted, whether it is cached
   * now or loaded later. Pinning a pinned key replaces its time to live. The pin does not load
   * anything, and does not keep an entry beyond {@link CacheOptions#expireAfterWrite()}.
   *
   * @param ttl how long the pin lives, by the cache's {@link Ticker}; null pins until {@link
   *     #unpin}
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   * @throws IllegalStateException if the cache is closed
   */
  public void pin(ColumnChunkKey key, Duration ttl) {
    Objects.requireNonNull(key, "key");
    Pins.checkTtl(ttl);
    synchronized (lock) {
      ensureOpen();
      long now = ticker.nanos();
      pins.pinKey(key, ttl, now);
      CacheEntry entry = index.get(key);
      if (entry != null) {
        refreshPinLocked(entry, now);
      }
    }
  }

  /**
   * Removes the pin of {@code key} set by {@link #pin}. The entry becomes evictable unless a live
   * {@link #pinAll} rule still pins it.
   *
   * @return whether the key had a pin (possibly already expired)
   */
  public boolean unpin(ColumnChunkKey key) {
    Objects.requireNonNull(key, "key");
    synchronized (lock) {
      boolean removed = pins.unpinKey(key);
      CacheEntry entry = index.get(key);
      if (entry != null) {
        refreshPinLocked(entry, ticker.nanos());
      }
      return removed;
    }
  }

  /**
   * Installs the pin rule {@code name}: every key that {@code matching} accepts is pinned, among
   * the entries cached now and the keys loaded later, while the rule lives. Installing a rule under
   * a name in use replaces that rule. The predicate runs without the cache's lock: now on a
   * snapshot of the keys, later once per loaded key. It must be cheap, thread-safe and side-effect
   * free; if it throws here the rule is not installed and the exception propagates, if it throws
   * for a key loaded later that key is not pinned by it (logged).
   *
   * @param name the rule's name, for {@link #unpinAll}; for example "table:sales.orders"
   * @param matching which keys the rule pins
   * @param ttl how long the rule lives, by the cache's {@link Ticker}; null until {@link #unpinAll}
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   * @throws IllegalStateException if the cache is closed
   */
  public void pinAll(String name, Predicate<ColumnChunkKey> matching, Duration ttl) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(matching, "matching");
    Pins.checkTtl(ttl);
    Pins.PinRule rule;
    List<CacheEntry> snapshot;
    synchronized (lock) {
      ensureOpen();
      rule = pins.addRule(name, matching, ttl, ticker.nanos());
      snapshot = new ArrayList<>(index.values());
    }
    List<CacheEntry> matched = new ArrayList<>();
    try {
      for (CacheEntry entry : snapshot) {
        if (matching.test(entry.key)) {
          matched.add(entry);
        }
      }
    } catch (RuntimeException | Error e) {
      synchronized (lock) {
        pins.abandonRule(rule);
        refreshPinnedLocked(ticker.nanos());
      }
      throw e;
    }
    synchronized (lock) {
      long now = ticker.nanos();
      for (CacheEntry entry : matched) {
        // Loading entries get the rule too; their load re-evaluates all rules when it publishes.
        entry.addRule(rule);
        refreshPinLocked(entry, now);
      }
      // Entries pinned only by a replaced rule of this name are released.
      refreshPinnedLocked(now);
    }
  }

  /**
   * Removes the pin rule {@code name}; entries it pinned become evictable unless another pin holds
   * them.
   *
   * @return whether a rule of that name was installed (possibly already expired)
   */
  public boolean unpinAll(String name) {
    Objects.requireNonNull(name, "name");
    synchronized (lock) {
      if (!pins.removeRule(name)) {
        return false;
      }
      refreshPinnedLocked(ticker.nanos());
      return true;
    }
  }

  /**
   * Drops expired entries and expired pins now, rather than on the next access or eviction. Readers
   * keep their references to dropped entries.
   */
  public void cleanUp() {
    List<ColumnChunk> toClose = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      long now = ticker.nanos();
      sweepExpiredPinsLocked(now);
      expireLocked(now, toClose);
    }
    LoaderCalls.closeChunks(toClose);
  }

  /**
   * Drops the cache's reference to the chunk of {@code key} and deletes its disk file. Readers keep
   * theirs; the memory is freed when the last one closes. A load in progress for the key completes
   * for its callers but its result is not cached. Does nothing if the key is absent or the cache is
   * closed.
   */
  public void invalidate(ColumnChunkKey key) {
    Objects.requireNonNull(key, "key");
    ColumnChunk toClose;
    synchronized (lock) {
      CacheEntry entry = index.get(key);
      toClose = entry == null ? null : invalidateLocked(entry);
    }
    tiers.remove(key, EvictionCause.EXPLICIT);
    LoaderCalls.closeChunks(toClose == null ? List.of() : List.of(toClose));
  }

  /**
   * Invalidates, as {@link #invalidate}, every entry whose key matches; for example all chunks of
   * one file. The predicate runs without the cache's lock, on a snapshot of the keys.
   */
  public void invalidateAll(Predicate<ColumnChunkKey> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    List<CacheEntry> snapshot;
    synchronized (lock) {
      snapshot = new ArrayList<>(index.values());
    }
    List<CacheEntry> matching = new ArrayList<>();
    for (CacheEntry entry : snapshot) {
      if (predicate.test(entry.key)) {
        matching.add(entry);
      }
    }
    List<ColumnChunk> toClose = new ArrayList<>();
    synchronized (lock) {
      for (CacheEntry entry : matching) {
        if (index.get(entry.key) == entry) {
          ColumnChunk chunk = invalidateLocked(entry);
          if (chunk != null) {
            toClose.add(chunk);
          }
        }
      }
    }
    tiers.removeIf(predicate, EvictionCause.EXPLICIT);
    LoaderCalls.closeChunks(toClose);
  }

  /** A snapshot of the counters. */
  public CacheStats stats() {
    synchronized (lock) {
      if (!closed) {
        sweepExpiredPinsLocked(ticker.nanos());
      }
      return counters.stats(
          cachedEntries, cachedBytes, capacityBytes, pins.pinnedCount(), pins.pinnedBytes());
    }
  }

  /**
   * A snapshot of the per-tier metrics: hits and misses, entries and bytes per tier, evictions by
   * cause, demotions, promotions, stream-through and the latency of loader calls.
   */
  public CacheMetrics metrics() {
    DiskTier.Counters diskCounters = tiers.diskCounters();
    Map<EvictionCause, Long> onDisk = tiers.diskEvictions();
    CacheCounters.Latency latency = counters.latency();
    synchronized (lock) {
      return counters.metrics(cachedEntries, cachedBytes, diskCounters, onDisk, latency);
    }
  }

  /**
   * Lists the entries whose keys match, in memory and on disk (a key in both is listed twice), for
   * {@code quiver cache ls}. The predicate runs without the cache's lock, on a snapshot.
   */
  public List<EntryInfo> entries(Predicate<ColumnChunkKey> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    List<EntryInfo> infos = new ArrayList<>();
    synchronized (lock) {
      long now = ticker.nanos();
      for (CacheEntry entry : index.values()) {
        if (entry.state == State.CACHED) {
          infos.add(
              new EntryInfo(
                  entry.key,
                  Tier.MEMORY,
                  entry.sizeBytes,
                  entry.pinned,
                  entry.readers,
                  entry.hits,
                  Duration.ofNanos(Math.max(0, now - entry.writtenAt))));
        }
      }
    }
    infos.removeIf(info -> !predicate.test(info.key()));
    infos.addAll(tiers.list(predicate));
    return infos;
  }

  /**
   * Bounds the cached bytes of quota group {@code group} (see {@link CacheOptions#withQuotaGroup}):
   * while the group holds more, its least recently used entries that are neither pinned nor in use
   * are evicted (demoted to the disk tier like any eviction). Enforced now, whenever the group's
   * entries are loaded, and when their readers release them; pinned and in-use entries can keep the
   * group above its quota meanwhile. The memory capacity still applies to all groups together.
   *
   * @throws IllegalArgumentException if {@code bytes} is negative
   * @throws IllegalStateException if the cache has no quota group function or is closed
   */
  public void setQuota(String group, long bytes) {
    Objects.requireNonNull(group, "group");
    if (bytes < 0) {
      throw new IllegalArgumentException("quota must be >= 0: " + bytes);
    }
    if (quotaGroup == null) {
      throw new IllegalStateException(
          "the cache has no quota groups (CacheOptions.withQuotaGroup)");
    }
    List<TierCoordinator.Victim> victims = new ArrayList<>();
    synchronized (lock) {
      ensureOpen();
      enforceQuotaLocked(quotas.setQuota(group, bytes), victims);
    }
    tiers.demote(victims);
  }

  /**
   * Removes the quota of {@code group}.
   *
   * @return whether it had one
   */
  public boolean clearQuota(String group) {
    Objects.requireNonNull(group, "group");
    synchronized (lock) {
      return quotas.clearQuota(group);
    }
  }

  /** Cached bytes of quota group {@code group} now (0 if it has no entries). */
  public long quotaGroupBytes(String group) {
    synchronized (lock) {
      return quotas.bytes(group);
    }
  }

  /** The disk tier's file of {@code key}, or null; for tests and diagnostics. */
  java.nio.file.Path diskFile(ColumnChunkKey key) {
    return tiers.fileOf(key);
  }

  /** Committed bytes per disk directory, in configuration order; for tests and diagnostics. */
  List<Long> diskUsedBytes() {
    return tiers.diskUsedBytes();
  }

  /**
   * Drops every entry and closes the cache's allocator.
   *
   * <p>Fails loudly instead of freeing memory under a reader: if references are still open or loads
   * are in progress it throws {@link IllegalStateException} naming how many, and leaves the cache
   * open and unchanged (close them, then close the cache again). If memory is still accounted to
   * the allocator after the entries are dropped (buffers kept beyond their reference, or leaked by
   * a loader) the allocator's own {@link IllegalStateException} propagates. Later calls do nothing.
   */
  @Override
  public void close() {
    List<ColumnChunk> toClose = new ArrayList<>();
    List<TierCoordinator.Victim> toPersist = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (readerReferences > 0 || loadsInProgress > 0) {
        throw new IllegalStateException(
            "cannot close the chunk cache: "
                + readerReferences
                + " reference(s) are still held by readers and "
                + loadsInProgress
                + " load(s) are in progress; close them first");
      }
      closed = true;
      for (CacheEntry entry : index.values()) {
        // Without readers or loads every indexed entry is cached, loaded and unreferenced.
        if (!entry.pinned) {
          order.remove(entry);
        }
        if (tiers.hasDisk() && !entry.fromDisk && !isExpiredAt(entry.writtenAt)) {
          toPersist.add(new TierCoordinator.Victim(entry.key, entry.chunk, true, entry.writtenAt));
        }
        toClose.add(entry.chunk);
        entry.chunk = null;
        entry.state = State.RELEASED;
        entry.pinned = false;
      }
      index.clear();
      writeOrder.clear();
      slots.clear();
      quotas.clear();
      pins.clear();
      evictableBytes = 0;
      cachedEntries = 0;
      cachedBytes = 0;
    }
    try {
      tiers.persist(toPersist);
      LoaderCalls.closeChunks(toClose);
    } finally {
      try {
        tiers.close(); // keeps the disk files for the next instance
      } finally {
        try {
          allocator.close();
        } finally {
          if (shared != null) {
            shared.close();
          }
        }
      }
    }
  }

  @Override
  public String toString() {
    return "ChunkCache[" + stats() + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  /**
   * Loads {@code batch} (entries this thread registered): from the disk tier where it has them, the
   * rest with one loader call (into the stream-through allocator if the cache is full), and
   * publishes the result; on failure removes the entries, wakes their waiters with the failure and
   * throws it.
   */
  private void load(List<CacheEntry> batch, ChunkLoader loader) throws IOException {
    Map<ColumnChunkKey, ColumnChunk> loaded = new HashMap<>(batch.size() * 2);
    List<CacheEntry> fromSource = batch;
    try {
      if (tiers.hasDisk()) {
        fromSource = new ArrayList<>(batch.size());
        for (CacheEntry entry : batch) {
          ColumnChunk chunk = readFromDisk(entry);
          if (chunk == null) {
            fromSource.add(entry);
          } else {
            loaded.put(entry.key, chunk);
          }
        }
      }
      if (!fromSource.isEmpty()) {
        loadFromSource(fromSource, loader, loaded);
      }
      if (shared != null) {
        moveToSharedMemory(batch, loaded);
      }
    } catch (Throwable t) {
      LoaderCalls.closeChunksQuietly(loaded.values(), t);
      fail(batch, t);
      throw LoaderCalls.rethrow(t);
    }
    List<TierCoordinator.Victim> victims = publish(batch, loaded);
    for (CacheEntry entry : batch) {
      entry.loaded.complete(null);
    }
    if (tiers.hasDisk()) {
      for (CacheEntry entry : fromSource) {
        if (entry.state != State.STREAMED) {
          // The source has this version now: files of other versions can never be asked for by
          // a caller that stats the source first.
          tiers.removeOtherVersions(entry.key);
        }
      }
    }
    tiers.demote(victims);
  }

  /**
   * Replaces each loaded chunk that is to be cached (not streamed through) with its copy in shared
   * memory ({@link SharedMemory#share}; a chunk that cannot move stays as it is).
   */
  private void moveToSharedMemory(List<CacheEntry> batch, Map<ColumnChunkKey, ColumnChunk> loaded) {
    List<ColumnChunkKey> cached = new ArrayList<>(batch.size());
    synchronized (lock) {
      for (CacheEntry entry : batch) {
        if (entry.state != State.STREAMED) {
          cached.add(entry.key);
        }
      }
    }
    for (ColumnChunkKey key : cached) {
      ColumnChunk chunk = loaded.get(key);
      if (chunk != null) {
        loaded.put(key, shared.share(key, chunk, allocator));
      }
    }
  }

  /**
   * Reads the entry's chunk from the disk tier (see {@link TierCoordinator#readFromDisk}) and
   * records where it came from; null if the disk tier cannot serve it.
   *
   * @throws CacheCapacityException if neither allocator can account the file
   */
  private ColumnChunk readFromDisk(CacheEntry entry) {
    TierCoordinator.DiskRead read = tiers.readFromDisk(entry.key);
    synchronized (lock) {
      if (read == null) {
        counters.diskMisses.increment();
        return null;
      }
      if (read.streamed()) {
        entry.state = State.STREAMED;
        counters.streamedThrough.increment();
      }
      counters.diskHits.increment();
      entry.fromDisk = true;
      entry.diskWrittenAt = read.writtenAt();
    }
    return read.chunk();
  }

  /** Calls the loader for {@code entries} and puts the checked result into {@code into}. */
  private void loadFromSource(
      List<CacheEntry> entries, ChunkLoader loader, Map<ColumnChunkKey, ColumnChunk> into)
      throws IOException {
    List<ColumnChunkKey> missing = new ArrayList<>(entries.size());
    for (CacheEntry entry : entries) {
      missing.add(entry.key);
    }
    missing = Collections.unmodifiableList(missing);
    for (int attempt = 1; ; attempt++) {
      Map<ColumnChunkKey, ColumnChunk> result = null;
      refusedRequest.remove();
      try {
        result = LoaderCalls.timedLoad(loader, missing, allocator, counters);
        into.putAll(LoaderCalls.checkLoaded(missing, result, allocator));
        return;
      } catch (Throwable t) {
        Long refused = refusedRequest.get();
        refusedRequest.remove();
        if (result != null) {
          LoaderCalls.closeChunksQuietly(result.values(), t);
        }
        if (attempt < MAX_LOAD_ATTEMPTS && lostAllocationRace(t, refused)) {
          LOG.debug("load of {} lost an allocation race; attempt {}", missing, attempt + 1);
          continue;
        }
        Throwable failure = translate(t, refused);
        if (failure instanceof CacheCapacityException full && tiers.canStreamThrough()) {
          into.putAll(tiers.streamThrough(missing, loader, full));
          synchronized (lock) {
            for (CacheEntry entry : entries) {
              entry.state = State.STREAMED;
            }
            counters.streamedThrough.add(entries.size());
          }
          return;
        }
        throw LoaderCalls.rethrow(failure);
      }
    }
  }

  /**
   * Caches the loaded chunks, pinned if a pin applies; entries invalidated meanwhile, streamed
   * through, or read from disk and refused by the policy's admission go to their callers uncached.
   * Pin rules and quota groups are evaluated without the lock; if a rule was added or removed
   * meanwhile, rules are matched again.
   *
   * @return entries evicted on the way (other versions, quota), for {@link TierCoordinator#demote}
   */
  private List<TierCoordinator.Victim> publish(
      List<CacheEntry> batch, Map<ColumnChunkKey, ColumnChunk> loaded) {
    List<String> groupNames = new ArrayList<>(batch.size());
    for (CacheEntry entry : batch) {
      groupNames.add(QuotaGroups.groupOf(quotaGroup, entry.key));
    }
    while (true) {
      long version;
      List<Pins.PinRule> rules;
      synchronized (lock) {
        version = pins.rulesVersion();
        rules = pins.rules();
      }
      List<List<Pins.PinRule>> matched = new ArrayList<>(batch.size());
      for (CacheEntry entry : batch) {
        matched.add(Pins.matchingRules(entry.key, rules));
      }
      synchronized (lock) {
        if (version != pins.rulesVersion()) {
          continue;
        }
        List<TierCoordinator.Victim> victims = new ArrayList<>();
        Set<QuotaGroups.Group> touched = new HashSet<>();
        long now = ticker.nanos();
        for (int i = 0; i < batch.size(); i++) {
          CacheEntry entry = batch.get(i);
          ColumnChunk chunk = loaded.get(entry.key);
          entry.chunk = chunk;
          entry.sizeBytes = chunk.sizeBytes();
          entry.loadingThread = null;
          counters.bytesLoaded.add(entry.sizeBytes);
          boolean admit = entry.state == State.LOADING && !closed;
          if (admit && entry.fromDisk) {
            admit = order.admit(entry.key, entry.sizeBytes);
            if (admit) {
              counters.promotions.increment();
            }
          }
          if (!admit) {
            // Handed to the callers only; freed when the last of them closes its reference.
            index.remove(entry.key, entry);
            if (entry.state == State.LOADING) {
              entry.state = State.RELEASED;
            }
            continue;
          }
          if (!entry.fromDisk) {
            dropOtherVersionsLocked(entry, victims);
          }
          entry.state = State.CACHED;
          // A chunk promoted from disk keeps the age it had when it was demoted.
          entry.writtenAt = entry.fromDisk ? entry.diskWrittenAt : now;
          entry.rules = matched.get(i);
          cachedEntries++;
          cachedBytes += entry.sizeBytes;
          slots.computeIfAbsent(Slot.of(entry.key), s -> new ArrayList<>(1)).add(entry);
          if (expireAfterWriteNanos > 0) {
            writeOrder.add(entry);
          }
          String groupName = groupNames.get(i);
          if (groupName != null) {
            touched.add(quotas.join(groupName, entry));
          }
          // This caller holds a reference, so the entry is not evictable yet.
          if (pins.shouldPin(entry, now)) {
            pins.addPinned(entry);
          } else {
            order.add(entry);
          }
        }
        for (QuotaGroups.Group group : touched) {
          enforceQuotaLocked(group, victims);
        }
        loadsInProgress--;
        return victims;
      }
    }
  }

  /** Uncaches other versions of a chunk that was just loaded from the source. */
  @GuardedBy("lock")
  private void dropOtherVersionsLocked(CacheEntry loaded, List<TierCoordinator.Victim> victims) {
    List<CacheEntry> sameSlot = slots.get(Slot.of(loaded.key));
    if (sameSlot == null) {
      return;
    }
    for (CacheEntry other : new ArrayList<>(sameSlot)) {
      if (other != loaded && !other.key.equals(loaded.key) && other.state == State.CACHED) {
        counters.staleEvictions.increment();
        victims.add(evictLocked(other, false));
      }
    }
  }

  /**
   * Evicts the group's least recently used unpinned entries without readers until it is within its
   * quota (or nothing more can go).
   */
  @GuardedBy("lock")
  private void enforceQuotaLocked(QuotaGroups.Group group, List<TierCoordinator.Victim> victims) {
    for (CacheEntry entry : quotas.overQuota(group)) {
      counters.quotaEvictions.increment();
      victims.add(evictLocked(entry, true));
    }
  }

  /**
   * Whether an allocation failure is worth another load attempt: the listener did not refuse the
   * request on this thread (it made room, but a concurrent allocation took it before Arrow's one
   * retry) and there is still something to evict.
   */
  private boolean lostAllocationRace(Throwable t, Long refused) {
    if (refused != null || !LoaderCalls.isAllocationFailure(t)) {
      return false;
    }
    synchronized (lock) {
      return !closed && evictableBytes > 0;
    }
  }

  private void fail(List<CacheEntry> batch, Throwable failure) {
    synchronized (lock) {
      for (CacheEntry entry : batch) {
        index.remove(entry.key, entry);
        entry.loadingThread = null;
      }
      loadsInProgress--;
      if (!(failure instanceof LoadDeclinedException)) {
        counters.loadFailures.increment();
      }
    }
    for (CacheEntry entry : batch) {
      entry.loaded.completeExceptionally(failure);
    }
  }

  private static void await(CacheEntry entry) throws IOException {
    try {
      entry.loaded.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      InterruptedIOException interrupted =
          new InterruptedIOException("interrupted while waiting for the load of " + entry.key);
      interrupted.initCause(e);
      throw interrupted;
    } catch (ExecutionException e) {
      throw new IOException(
          "loading " + entry.key + " failed in a concurrent request: " + e.getCause(),
          e.getCause());
    }
  }

  /**
   * Turns an allocation failure anywhere in the cause chain into {@link CacheCapacityException}.
   */
  private Throwable translate(Throwable t, Long refused) {
    if (t instanceof CacheCapacityException || !LoaderCalls.isAllocationFailure(t)) {
      return t;
    }
    long held;
    synchronized (lock) {
      held = Math.max(0, allocator.getAllocatedMemory() - evictableBytes);
    }
    CacheCapacityException capacity =
        new CacheCapacityException(capacityBytes, held, refused == null ? -1 : refused, t);
    LOG.debug("load refused: {}", capacity.getMessage());
    return capacity;
  }

  // ---------------------------------------------------------------------------------------------
  // References and eviction

  @GuardedBy("lock")
  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the chunk cache is closed");
    }
  }

  @GuardedBy("lock")
  private void retainLocked(CacheEntry entry) {
    entry.readers++;
    readerReferences++;
    if (entry.readers == 1 && entry.state == State.CACHED && !entry.pinned) {
      order.retained(entry);
      evictableBytes -= entry.sizeBytes;
    }
  }

  /** Releases one reader reference; returns the chunk to close if it was the last reference. */
  @GuardedBy("lock")
  private ColumnChunk releaseLocked(CacheEntry entry) {
    if (entry.readers <= 0) {
      throw new IllegalStateException("released more references than retained for " + entry.key);
    }
    entry.readers--;
    readerReferences--;
    if (entry.readers > 0 || entry.chunk == null) {
      return null;
    }
    if (entry.state == State.CACHED) {
      if (!entry.pinned) {
        order.released(entry);
        evictableBytes += entry.sizeBytes;
      }
      quotas.used(entry); // most recently used in its group now
      return null;
    }
    ColumnChunk chunk = entry.chunk;
    entry.chunk = null;
    return chunk;
  }

  /** Drops the cache's reference; returns the chunk to close if no reader holds it. */
  @GuardedBy("lock")
  private ColumnChunk uncacheLocked(CacheEntry entry) {
    entry.state = State.RELEASED;
    index.remove(entry.key, entry);
    cachedEntries--;
    cachedBytes -= entry.sizeBytes;
    writeOrder.remove(entry);
    Slot slot = Slot.of(entry.key);
    List<CacheEntry> sameSlot = slots.get(slot);
    if (sameSlot != null && sameSlot.remove(entry) && sameSlot.isEmpty()) {
      slots.remove(slot);
    }
    quotas.leave(entry);
    if (entry.pinned) {
      pins.removePinned(entry);
    } else {
      order.remove(entry);
      if (entry.readers == 0) {
        evictableBytes -= entry.sizeBytes;
      }
    }
    entry.rules = List.of();
    if (entry.readers > 0) {
      return null;
    }
    ColumnChunk chunk = entry.chunk;
    entry.chunk = null;
    return chunk;
  }

  @GuardedBy("lock")
  private ColumnChunk invalidateLocked(CacheEntry entry) {
    if (entry.state == State.CACHED) {
      counters.explicitEvictions.increment();
      return uncacheLocked(entry);
    }
    if (entry.chunk == null) {
      // Loading: let it finish for its callers but do not cache the result.
      if (entry.state == State.LOADING) {
        entry.state = State.INVALIDATED;
      }
      index.remove(entry.key, entry);
    }
    return null;
  }

  /** Called by {@link CachedChunk#uncached()}. */
  boolean isUncached(CacheEntry entry) {
    synchronized (lock) {
      return entry.state != State.CACHED;
    }
  }

  /** Called by {@link CachedChunk#close()}. */
  void release(CacheEntry entry) {
    ColumnChunk toClose;
    List<TierCoordinator.Victim> victims = List.of();
    synchronized (lock) {
      toClose = releaseLocked(entry);
      QuotaGroups.Group group = entry.group;
      if (group != null && entry.readers == 0 && group.isOverQuota()) {
        // The group went over its quota while this entry was in use; now it can go.
        victims = new ArrayList<>();
        enforceQuotaLocked(group, victims);
      }
    }
    if (toClose != null) {
      toClose.close();
    }
    tiers.demote(victims);
  }

  private void releaseAll(Iterable<CacheEntry> entries, Throwable failure) {
    List<ColumnChunk> toClose = new ArrayList<>();
    synchronized (lock) {
      for (CacheEntry entry : entries) {
        ColumnChunk chunk = releaseLocked(entry);
        if (chunk != null) {
          toClose.add(chunk);
        }
      }
    }
    LoaderCalls.closeChunksQuietly(toClose, failure);
  }

  /**
   * Drops expired entries, then evicts unreferenced, unpinned entries in the policy's order until
   * the allocator has {@code size} bytes of headroom. Evicts nothing if that cannot be reached even
   * by evicting all of them.
   *
   * @return whether the headroom is there now
   */
  private boolean makeRoom(long size) {
    long wanted =
        size > Long.MAX_VALUE - evictionMarginBytes ? Long.MAX_VALUE : size + evictionMarginBytes;
    if (allocator.getHeadroom() >= wanted) {
      return true; // the common case: no lock
    }
    while (true) {
      List<ColumnChunk> expired = new ArrayList<>();
      List<TierCoordinator.Victim> victims = new ArrayList<>();
      synchronized (lock) {
        long headroom = allocator.getHeadroom();
        if (headroom >= wanted) {
          return true;
        }
        if (closed) {
          return headroom >= size;
        }
        long now = ticker.nanos();
        sweepExpiredPinsLocked(now);
        if (expireLocked(now, expired) == 0) {
          if (evictableBytes == 0 || headroom + evictableBytes < size) {
            // Either the request fits without the margin, or evicting everything would not make
            // it fit: then keep the cache intact and let the allocation fail.
            return headroom >= size;
          }
          long needed = wanted - headroom;
          long freed = 0;
          while (freed < needed) {
            CacheEntry victim = order.victim();
            if (victim == null) {
              break;
            }
            freed += victim.sizeBytes;
            counters.evictions.increment();
            // Unreferenced, so uncaching hands back the chunk to demote and close.
            victims.add(evictLocked(victim, true));
          }
        }
        // Else expired entries were dropped: close them and look at the headroom again.
      }
      LOG.debug("dropped {} chunk(s) to allocate {} bytes", victims.size() + expired.size(), size);
      // Closing returns the memory to the allocator right away (nobody else references it), so the
      // next round sees the headroom; a concurrent allocation may take it, hence the loop. Victims
      // are written to the disk tier first, on this thread and without locks: the memory must be
      // free before this allocation proceeds, and other readers are not blocked meanwhile.
      LoaderCalls.closeChunks(expired);
      tiers.demote(victims);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Expiry and pins

  private boolean isExpired(CacheEntry entry, long now) {
    return expireAfterWriteNanos > 0 && now - entry.writtenAt >= expireAfterWriteNanos;
  }

  /** Whether data first loaded at {@code writtenAt} is expired now. */
  private boolean isExpiredAt(long writtenAt) {
    return expireAfterWriteNanos > 0 && ticker.nanos() - writtenAt >= expireAfterWriteNanos;
  }

  /** Evicts a cached entry; the victim's chunk is null if a reader still holds it. */
  @GuardedBy("lock")
  private TierCoordinator.Victim evictLocked(CacheEntry entry, boolean demote) {
    long writtenAt = entry.writtenAt;
    return new TierCoordinator.Victim(entry.key, uncacheLocked(entry), demote, writtenAt);
  }

  /**
   * Returns {@code entry}, or null after dropping it if it is cached and expired; adds its chunk to
   * {@code toClose} if no reader holds it.
   */
  @GuardedBy("lock")
  private CacheEntry dropIfExpiredLocked(CacheEntry entry, long now, List<ColumnChunk> toClose) {
    if (entry == null || entry.state != State.CACHED || !isExpired(entry, now)) {
      return entry;
    }
    counters.expirations.increment();
    ColumnChunk chunk = uncacheLocked(entry);
    if (chunk != null) {
      toClose.add(chunk);
    }
    return null;
  }

  /**
   * Drops every expired entry, pinned or not; adds the chunks no reader holds to {@code toClose}.
   *
   * @return the number of entries dropped
   */
  @GuardedBy("lock")
  private int expireLocked(long now, List<ColumnChunk> toClose) {
    int dropped = 0;
    while (!writeOrder.isEmpty()) {
      CacheEntry oldest = writeOrder.iterator().next();
      if (dropIfExpiredLocked(oldest, now, toClose) != null) {
        break;
      }
      dropped++;
    }
    return dropped;
  }

  /** Brings a cached entry's pinned state, and its place in the eviction order, up to date. */
  @GuardedBy("lock")
  private void refreshPinLocked(CacheEntry entry, long now) {
    if (entry.state != State.CACHED) {
      return;
    }
    boolean shouldPin = pins.shouldPin(entry, now);
    if (shouldPin == entry.pinned) {
      return;
    }
    if (shouldPin) {
      pins.addPinned(entry);
      order.remove(entry);
      if (entry.readers == 0) {
        evictableBytes -= entry.sizeBytes;
      }
    } else {
      pins.removePinned(entry);
      order.add(entry);
      if (entry.readers == 0) {
        evictableBytes += entry.sizeBytes;
      }
    }
  }

  @GuardedBy("lock")
  private void refreshPinnedLocked(long now) {
    for (CacheEntry entry : pins.pinnedEntries()) {
      refreshPinLocked(entry, now);
    }
  }

  /** Removes expired key pins and rules and unpins their entries, once a deadline has passed. */
  @GuardedBy("lock")
  private void sweepExpiredPinsLocked(long now) {
    if (pins.sweepExpired(now)) {
      refreshPinnedLocked(now);
    }
  }

  /** The duration in nanoseconds, at most {@link Long#MAX_VALUE}. */
  static long saturatedNanos(Duration duration) {
    return duration.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0
        ? Long.MAX_VALUE
        : duration.toNanos();
  }

  /** The memory tier's side of a failed allocation, for {@link TierCoordinator}. */
  private final class AllocationFailures implements TierCoordinator.MemoryTier {
    @Override
    public void clearRefusal() {
      refusedRequest.remove();
    }

    @Override
    public Long takeRefusal() {
      Long refused = refusedRequest.get();
      refusedRequest.remove();
      return refused;
    }

    @Override
    public boolean lostAllocationRace(Throwable t, Long refused) {
      return ChunkCache.this.lostAllocationRace(t, refused);
    }

    @Override
    public Throwable translate(Throwable t, Long refused) {
      return ChunkCache.this.translate(t, refused);
    }
  }

  /** Makes room in the cache's allocator for allocations that would not fit. */
  private final class EvictingListener implements AllocationListener {
    @Override
    public void onPreAllocation(long size) {
      // Evicting before the attempt keeps the common full-cache case off Arrow's failure path (two
      // accounting passes that briefly count the refused bytes, and a details object per failure).
      makeRoom(size);
    }

    @Override
    public boolean onFailedAllocation(long size, AllocationOutcome outcome) {
      if (makeRoom(size)) {
        return true;
      }
      refusedRequest.set(size);
      return false;
    }
  }

  /** The file, row group and column of a key: what versions of one chunk share. */
  private record Slot(String file, int rowGroup, String column, String variant) {
    static Slot of(ColumnChunkKey key) {
      return new Slot(key.file(), key.rowGroup(), key.column(), key.variant());
    }
  }
}
