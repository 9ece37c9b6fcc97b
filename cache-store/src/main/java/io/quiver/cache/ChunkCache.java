package io.quiver.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import org.apache.arrow.memory.AllocationListener;
import org.apache.arrow.memory.AllocationOutcome;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An off-heap cache of decoded column chunks with a hard memory bound, a choice of eviction policy
 * (LRU or TinyLFU), pinning, optional expiry, reference-counted entries and single-flight loading.
 *
 * <h2>Capacity</h2>
 *
 * The cache owns a child allocator named {@value #ALLOCATOR_NAME} of the given parent, limited to
 * {@code capacityBytes}; loaders allocate all chunk data there ({@link #allocator()}). Arrow's
 * accounting makes the limit a hard bound: a successful allocation never takes the allocator above
 * it, whether the bytes are cached, held by readers or part of a load in progress. Sizes are
 * Arrow's: buffers below 16 MiB are rounded up to a power of two, and {@link
 * ColumnChunk#sizeBytes()} counts the rounded sizes, so the cache holds fewer data bytes than its
 * capacity.
 *
 * <p>The allocator's {@link AllocationListener} makes room on demand. Before an allocation that
 * would not fit ({@code onPreAllocation}), and again if Arrow refused it anyway because a
 * concurrent allocation took the room first ({@code onFailedAllocation}, after which Arrow retries
 * once), it evicts entries that no reader holds and nobody pinned, in the order of the {@link
 * EvictionPolicy} (and first any entries past {@link Options#expireAfterWrite()}), until the
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
 * An entry's recency is the time its last reader released it (or it was loaded): an entry in use is
 * not a candidate at all, and a hit makes it most recent once released. {@link EvictionPolicy#LRU}
 * evicts the least recent entry; {@link EvictionPolicy#TINY_LFU} adds a frequency-aware admission
 * test so that one-off scans do not flush a hot working set (see {@code TinyLfuOrder}).
 *
 * <h2>Pinning</h2>
 *
 * A pinned entry is never evicted, by either policy. Pins are state of the cache, not of entries,
 * so they also apply to keys loaded later: {@link #pin} pins one key, {@link #pinAll} installs a
 * named rule (a predicate, for example "every chunk of this file"). Both may have a time to live,
 * measured with the {@link Ticker}. An entry is pinned while its key has a live key pin or it
 * matched a live rule; rules are evaluated when an entry is loaded and, for entries already cached,
 * when the rule is installed. Pinned bytes stay inside the capacity: when everything is pinned or
 * held, a load that does not fit fails with {@link CacheCapacityException}. Pinning does not keep
 * an entry beyond {@link Options#expireAfterWrite()}, and {@link #invalidate} drops a pinned entry
 * (its pin still applies when the key is loaded again).
 *
 * <h2>Expiry</h2>
 *
 * With {@link Options#expireAfterWrite()} set, an entry older than that (by the {@link Ticker}) is
 * never served: a request finds it absent (and drops it), and eviction drops expired entries before
 * choosing victims by policy. {@link #cleanUp()} drops them eagerly.
 *
 * <h2>Thread-safety</h2>
 *
 * All methods are thread-safe. One internal lock guards the index and counters; it is never held
 * while a loader runs, while chunks are closed, or while user predicates run.
 */
public final class ChunkCache implements AutoCloseable {
  /** The name of the cache's allocator. */
  public static final String ALLOCATOR_NAME = "chunk-cache";

  private static final Logger LOG = LoggerFactory.getLogger(ChunkCache.class);

  /**
   * Loader calls per {@link #getAll} when allocations keep losing races for memory that the
   * listener freed (see {@link #lostAllocationRace}); a refusal is never retried.
   */
  private static final int MAX_LOAD_ATTEMPTS = 4;

  private final BufferAllocator allocator;
  private final long capacityBytes;
  private final long evictionMarginBytes;
  private final Ticker ticker;

  /** Nanoseconds after loading that an entry expires, or 0 for never. */
  private final long expireAfterWriteNanos;

  /** Size of the last allocation the listener refused on this thread, for the error message. */
  private final ThreadLocal<Long> refusedRequest = new ThreadLocal<>();

  private final Object lock = new Object();

  // Everything below is guarded by lock.
  /** Entries being loaded and entries the cache holds a reference to. */
  private final Map<ColumnChunkKey, Entry> index = new HashMap<>();

  /** The eviction order of cached, unpinned entries. */
  private final EvictionOrder order;

  /** Cached entries in load order, when entries expire (load order is then expiry order). */
  private final LinkedHashSet<Entry> writeOrder = new LinkedHashSet<>();

  /** Key pins, cached or not. */
  private final Map<ColumnChunkKey, PinTerm> keyPins = new HashMap<>();

  /** Pin rules by name. */
  private final Map<String, PinRule> pinRules = new LinkedHashMap<>();

  /** Changes whenever a rule is added or removed, so a load can tell its rule matching is stale. */
  private long rulesVersion;

  /** Cached entries that are pinned now. */
  private final Set<Entry> pinned = new HashSet<>();

  private long pinnedBytes;

  /** Whether a key pin or rule has a deadline; the earliest is then {@link #nextPinDeadline}. */
  private boolean timedPins;

  private long nextPinDeadline;

  /** Bytes of cached entries without readers and not pinned. */
  private long evictableBytes;

  private long cachedEntries;
  private long cachedBytes;
  private long readerReferences;
  private long loadsInProgress;
  private long hits;
  private long misses;
  private long evictions;
  private long expirations;
  private long loadFailures;
  private long bytesLoaded;
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
        new Options(capacityBytes, evictionMarginBytes, EvictionPolicy.LRU, Ticker.system(), null));
  }

  /**
   * Creates a cache with the given options.
   *
   * @param parent the allocator to create the cache's allocator under; borrowed, must outlive this
   *     cache
   * @param options capacity, eviction margin, policy, ticker and expiry
   */
  public ChunkCache(BufferAllocator parent, Options options) {
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(options, "options");
    this.capacityBytes = options.capacityBytes();
    this.evictionMarginBytes = options.evictionMarginBytes();
    this.ticker = options.ticker();
    this.expireAfterWriteNanos =
        options.expireAfterWrite() == null ? 0 : saturatedNanos(options.expireAfterWrite());
    this.order = EvictionOrder.create(options.evictionPolicy(), capacityBytes, evictionMarginBytes);
    if (order instanceof TinyLfuOrder tinyLfu) {
      tinyLfu.pinnedBytes(() -> pinnedBytes);
    }
    this.allocator =
        parent.newChildAllocator(ALLOCATOR_NAME, new EvictingListener(), 0, capacityBytes);
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
   * <p>Keys found in memory are hits. All keys that nobody is loading are loaded with one call to
   * {@code loader}, on this thread, without holding any lock. Keys another caller is loading are
   * not loaded again: after its own load, this call waits for those loads and shares their result.
   * If a load fails, nothing of it is cached, every caller waiting for it fails, and the cache is
   * left as if it had not been attempted.
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
    Map<ColumnChunkKey, Entry> acquired = new LinkedHashMap<>(distinct.size() * 2);
    List<Entry> toLoad = new ArrayList<>();
    List<Entry> toAwait = new ArrayList<>();
    List<ColumnChunk> expired = new ArrayList<>();
    Thread self = Thread.currentThread();
    synchronized (lock) {
      ensureOpen();
      for (ColumnChunkKey key : distinct) {
        Entry entry = index.get(key);
        if (entry != null && entry.chunk == null && entry.loadingThread == self) {
          throw new IllegalStateException(
              "a loader called back into the cache for " + key + ", which it is loading itself");
        }
      }
      long now = ticker.nanos();
      for (ColumnChunkKey key : distinct) {
        order.recordAccess(key);
        Entry entry = dropIfExpiredLocked(index.get(key), now, expired);
        if (entry == null) {
          entry = new Entry(key);
          entry.loadingThread = self;
          index.put(key, entry);
          toLoad.add(entry);
          misses++;
        } else if (entry.chunk != null) {
          hits++;
        } else {
          toAwait.add(entry);
          misses++;
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
      closeChunks(expired);
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
      for (Entry entry : toAwait) {
        await(entry);
      }
    } catch (IOException | RuntimeException | Error e) {
      releaseAll(acquired.values(), e);
      throw e;
    }
    Map<ColumnChunkKey, CachedChunk> result = new LinkedHashMap<>(acquired.size() * 2);
    synchronized (lock) {
      for (Entry entry : acquired.values()) {
        result.put(entry.key, new CachedChunk(this, entry, entry.chunk));
      }
    }
    return Collections.unmodifiableMap(result);
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
      Entry entry = dropIfExpiredLocked(index.get(key), ticker.nanos(), expired);
      if (entry == null || entry.chunk == null) {
        misses++;
      } else {
        hits++;
        retainLocked(entry);
        result = new CachedChunk(this, entry, entry.chunk);
      }
    }
    if (!expired.isEmpty()) {
      try {
        closeChunks(expired);
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
   * anything, and does not keep an entry beyond {@link Options#expireAfterWrite()}.
   *
   * @param ttl how long the pin lives, by the cache's {@link Ticker}; null pins until {@link
   *     #unpin}
   * @throws IllegalArgumentException if {@code ttl} is zero or negative
   * @throws IllegalStateException if the cache is closed
   */
  public void pin(ColumnChunkKey key, Duration ttl) {
    Objects.requireNonNull(key, "key");
    checkTtl(ttl);
    synchronized (lock) {
      ensureOpen();
      long now = ticker.nanos();
      PinTerm term = PinTerm.of(ttl, now);
      keyPins.put(key, term);
      noteDeadlineLocked(term);
      Entry entry = index.get(key);
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
      boolean removed = keyPins.remove(key) != null;
      Entry entry = index.get(key);
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
    checkTtl(ttl);
    PinRule rule;
    List<Entry> snapshot;
    synchronized (lock) {
      ensureOpen();
      rule = new PinRule(name, matching, PinTerm.of(ttl, ticker.nanos()));
      PinRule replaced = pinRules.put(name, rule);
      if (replaced != null) {
        replaced.removed = true;
      }
      rulesVersion++;
      noteDeadlineLocked(rule.term);
      snapshot = new ArrayList<>(index.values());
    }
    List<Entry> matched = new ArrayList<>();
    try {
      for (Entry entry : snapshot) {
        if (matching.test(entry.key)) {
          matched.add(entry);
        }
      }
    } catch (RuntimeException | Error e) {
      synchronized (lock) {
        rule.removed = true;
        pinRules.remove(name, rule);
        rulesVersion++;
        refreshPinnedLocked(ticker.nanos());
      }
      throw e;
    }
    synchronized (lock) {
      long now = ticker.nanos();
      for (Entry entry : matched) {
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
      PinRule rule = pinRules.remove(name);
      if (rule == null) {
        return false;
      }
      rule.removed = true;
      rulesVersion++;
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
    closeChunks(toClose);
  }

  /**
   * Drops the cache's reference to the chunk of {@code key}. Readers keep theirs; the memory is
   * freed when the last one closes. A load in progress for the key completes for its callers but
   * its result is not cached. Does nothing if the key is absent or the cache is closed.
   */
  public void invalidate(ColumnChunkKey key) {
    Objects.requireNonNull(key, "key");
    ColumnChunk toClose;
    synchronized (lock) {
      Entry entry = index.get(key);
      toClose = entry == null ? null : invalidateLocked(entry);
    }
    closeChunks(toClose == null ? List.of() : List.of(toClose));
  }

  /**
   * Invalidates, as {@link #invalidate}, every entry whose key matches; for example all chunks of
   * one file. The predicate runs without the cache's lock, on a snapshot of the keys.
   */
  public void invalidateAll(Predicate<ColumnChunkKey> predicate) {
    Objects.requireNonNull(predicate, "predicate");
    List<Entry> snapshot;
    synchronized (lock) {
      snapshot = new ArrayList<>(index.values());
    }
    List<Entry> matching = new ArrayList<>();
    for (Entry entry : snapshot) {
      if (predicate.test(entry.key)) {
        matching.add(entry);
      }
    }
    List<ColumnChunk> toClose = new ArrayList<>();
    synchronized (lock) {
      for (Entry entry : matching) {
        if (index.get(entry.key) == entry) {
          ColumnChunk chunk = invalidateLocked(entry);
          if (chunk != null) {
            toClose.add(chunk);
          }
        }
      }
    }
    closeChunks(toClose);
  }

  /** A snapshot of the counters. */
  public CacheStats stats() {
    synchronized (lock) {
      if (!closed) {
        sweepExpiredPinsLocked(ticker.nanos());
      }
      return new CacheStats(
          cachedEntries,
          cachedBytes,
          capacityBytes,
          hits,
          misses,
          evictions,
          loadFailures,
          bytesLoaded,
          pinned.size(),
          pinnedBytes,
          expirations);
    }
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
      for (Entry entry : index.values()) {
        // Without readers or loads every indexed entry is cached, loaded and unreferenced.
        if (!entry.pinned) {
          order.remove(entry);
        }
        toClose.add(entry.chunk);
        entry.chunk = null;
        entry.cached = false;
        entry.pinned = false;
      }
      index.clear();
      writeOrder.clear();
      pinned.clear();
      keyPins.clear();
      pinRules.clear();
      pinnedBytes = 0;
      evictableBytes = 0;
      cachedEntries = 0;
      cachedBytes = 0;
    }
    try {
      closeChunks(toClose);
    } finally {
      allocator.close();
    }
  }

  @Override
  public String toString() {
    return "ChunkCache[" + stats() + "]";
  }

  // ---------------------------------------------------------------------------------------------
  // Loading

  /**
   * Runs the loader for {@code batch} (entries this thread registered) and publishes the result; on
   * failure removes the entries, wakes their waiters with the failure and throws it.
   */
  private void load(List<Entry> batch, ChunkLoader loader) throws IOException {
    List<ColumnChunkKey> missing = new ArrayList<>(batch.size());
    for (Entry entry : batch) {
      missing.add(entry.key);
    }
    missing = Collections.unmodifiableList(missing);
    Map<ColumnChunkKey, ColumnChunk> loaded = null;
    for (int attempt = 1; loaded == null; attempt++) {
      Map<ColumnChunkKey, ColumnChunk> result = null;
      refusedRequest.remove();
      try {
        result = loader.load(missing, allocator);
        loaded = checkLoaded(missing, result);
      } catch (Throwable t) {
        Long refused = refusedRequest.get();
        refusedRequest.remove();
        if (result != null) {
          closeChunksQuietly(result.values(), t);
        }
        if (attempt < MAX_LOAD_ATTEMPTS && lostAllocationRace(t, refused)) {
          LOG.debug("load of {} lost an allocation race; attempt {}", missing, attempt + 1);
          continue;
        }
        Throwable failure = translate(t, refused);
        fail(batch, failure);
        throw rethrow(failure);
      }
    }
    publish(batch, loaded);
    for (Entry entry : batch) {
      entry.loaded.complete(null);
    }
  }

  /**
   * Caches the loaded chunks, pinned if a pin applies. Pin rules are matched without the lock; if a
   * rule was added or removed meanwhile, they are matched again.
   */
  private void publish(List<Entry> batch, Map<ColumnChunkKey, ColumnChunk> loaded) {
    while (true) {
      long version;
      List<PinRule> rules;
      synchronized (lock) {
        version = rulesVersion;
        rules = pinRules.isEmpty() ? List.of() : new ArrayList<>(pinRules.values());
      }
      List<List<PinRule>> matched = new ArrayList<>(batch.size());
      for (Entry entry : batch) {
        matched.add(matchingRules(entry.key, rules));
      }
      synchronized (lock) {
        if (version != rulesVersion) {
          continue;
        }
        long now = ticker.nanos();
        for (int i = 0; i < batch.size(); i++) {
          Entry entry = batch.get(i);
          ColumnChunk chunk = loaded.get(entry.key);
          entry.chunk = chunk;
          entry.sizeBytes = chunk.sizeBytes();
          entry.loadingThread = null;
          bytesLoaded += entry.sizeBytes;
          if (!entry.invalidated) {
            entry.cached = true;
            entry.writtenAt = now;
            entry.rules = matched.get(i);
            cachedEntries++;
            cachedBytes += entry.sizeBytes;
            if (expireAfterWriteNanos > 0) {
              writeOrder.add(entry);
            }
            // This caller holds a reference, so the entry is not evictable yet.
            if (isPinnedLocked(entry, now)) {
              entry.pinned = true;
              pinned.add(entry);
              pinnedBytes += entry.sizeBytes;
            } else {
              order.add(entry);
            }
          }
        }
        loadsInProgress--;
        return;
      }
    }
  }

  private static List<PinRule> matchingRules(ColumnChunkKey key, List<PinRule> rules) {
    List<PinRule> matching = List.of();
    for (PinRule rule : rules) {
      boolean matches;
      try {
        matches = rule.matching.test(key);
      } catch (RuntimeException e) {
        LOG.warn("pin rule '{}' failed for {}; the rule does not pin it", rule.name, key, e);
        matches = false;
      }
      if (matches) {
        if (matching.isEmpty()) {
          matching = new ArrayList<>(2);
        }
        matching.add(rule);
      }
    }
    return matching;
  }

  /**
   * Whether an allocation failure is worth another load attempt: the listener did not refuse the
   * request on this thread (it made room, but a concurrent allocation took it before Arrow's one
   * retry) and there is still something to evict.
   */
  private boolean lostAllocationRace(Throwable t, Long refused) {
    if (refused != null || !isAllocationFailure(t)) {
      return false;
    }
    synchronized (lock) {
      return !closed && evictableBytes > 0;
    }
  }

  /**
   * Checks the loader's result and returns the requested chunks; closes chunks for keys that were
   * not requested. On a broken contract throws, leaving the caller to close what was returned.
   */
  private Map<ColumnChunkKey, ColumnChunk> checkLoaded(
      List<ColumnChunkKey> missing, Map<ColumnChunkKey, ColumnChunk> result) {
    if (result == null) {
      throw new IllegalStateException("loader returned null for " + missing);
    }
    Map<ColumnChunkKey, ColumnChunk> wanted = new HashMap<>(missing.size() * 2);
    Set<ColumnChunk> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (ColumnChunkKey key : missing) {
      ColumnChunk chunk = result.get(key);
      if (chunk == null) {
        throw new IllegalStateException("loader returned no chunk for " + key);
      }
      if (!seen.add(chunk)) {
        throw new IllegalStateException("loader returned the same chunk for several keys: " + key);
      }
      if (!chunk.isAllocatedFrom(allocator)) {
        throw new IllegalStateException(
            "loader returned a chunk for " + key + " with buffers outside the cache's allocator");
      }
      wanted.put(key, chunk);
    }
    if (result.size() > wanted.size()) {
      List<ColumnChunk> extra = new ArrayList<>();
      for (ColumnChunk chunk : result.values()) {
        if (chunk != null && !seen.contains(chunk)) {
          extra.add(chunk);
        }
      }
      LOG.warn("loader returned {} chunk(s) that were not requested; closing them", extra.size());
      closeChunks(extra);
    }
    return wanted;
  }

  private void fail(List<Entry> batch, Throwable failure) {
    synchronized (lock) {
      for (Entry entry : batch) {
        index.remove(entry.key, entry);
        entry.loadingThread = null;
      }
      loadsInProgress--;
      loadFailures++;
    }
    for (Entry entry : batch) {
      entry.loaded.completeExceptionally(failure);
    }
  }

  private static void await(Entry entry) throws IOException {
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
    if (t instanceof CacheCapacityException || !isAllocationFailure(t)) {
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

  private static boolean isAllocationFailure(Throwable t) {
    Throwable cause = t;
    for (int depth = 0; cause != null && depth < 32; depth++, cause = cause.getCause()) {
      if (cause instanceof OutOfMemoryException) {
        return true;
      }
    }
    return false;
  }

  private static IOException rethrow(Throwable t) throws IOException {
    if (t instanceof IOException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IOException(t);
  }

  // ---------------------------------------------------------------------------------------------
  // References and eviction

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the chunk cache is closed");
    }
  }

  private void retainLocked(Entry entry) {
    entry.readers++;
    readerReferences++;
    if (entry.readers == 1 && entry.cached && !entry.pinned) {
      order.retained(entry);
      evictableBytes -= entry.sizeBytes;
    }
  }

  /** Releases one reader reference; returns the chunk to close if it was the last reference. */
  private ColumnChunk releaseLocked(Entry entry) {
    if (entry.readers <= 0) {
      throw new IllegalStateException("released more references than retained for " + entry.key);
    }
    entry.readers--;
    readerReferences--;
    if (entry.readers > 0 || entry.chunk == null) {
      return null;
    }
    if (entry.cached) {
      if (!entry.pinned) {
        order.released(entry);
        evictableBytes += entry.sizeBytes;
      }
      return null;
    }
    ColumnChunk chunk = entry.chunk;
    entry.chunk = null;
    return chunk;
  }

  /** Drops the cache's reference; returns the chunk to close if no reader holds it. */
  private ColumnChunk uncacheLocked(Entry entry) {
    entry.cached = false;
    index.remove(entry.key, entry);
    cachedEntries--;
    cachedBytes -= entry.sizeBytes;
    writeOrder.remove(entry);
    if (entry.pinned) {
      entry.pinned = false;
      pinned.remove(entry);
      pinnedBytes -= entry.sizeBytes;
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

  private ColumnChunk invalidateLocked(Entry entry) {
    if (entry.cached) {
      return uncacheLocked(entry);
    }
    if (entry.chunk == null) {
      // Loading: let it finish for its callers but do not cache the result.
      entry.invalidated = true;
      index.remove(entry.key, entry);
    }
    return null;
  }

  /** Called by {@link CachedChunk#close()}. */
  void release(Entry entry) {
    ColumnChunk toClose;
    synchronized (lock) {
      toClose = releaseLocked(entry);
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  private void releaseAll(Iterable<Entry> entries, Throwable failure) {
    List<ColumnChunk> toClose = new ArrayList<>();
    synchronized (lock) {
      for (Entry entry : entries) {
        ColumnChunk chunk = releaseLocked(entry);
        if (chunk != null) {
          toClose.add(chunk);
        }
      }
    }
    closeChunksQuietly(toClose, failure);
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
      List<ColumnChunk> victims = new ArrayList<>();
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
        if (expireLocked(now, victims) == 0) {
          if (evictableBytes == 0 || headroom + evictableBytes < size) {
            // Either the request fits without the margin, or evicting everything would not make
            // it fit: then keep the cache intact and let the allocation fail.
            return headroom >= size;
          }
          long needed = wanted - headroom;
          long freed = 0;
          while (freed < needed) {
            Entry victim = order.victim();
            if (victim == null) {
              break;
            }
            freed += victim.sizeBytes;
            evictions++;
            // Unreferenced, so uncaching hands back the chunk to close.
            victims.add(uncacheLocked(victim));
          }
        }
        // Else expired entries were dropped: close them and look at the headroom again.
      }
      LOG.debug("dropped {} chunk(s) to allocate {} bytes", victims.size(), size);
      // Closing returns the memory to the allocator right away (nobody else references it), so the
      // next round sees the headroom; a concurrent allocation may take it, hence the loop.
      closeChunks(victims);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Expiry and pins

  private boolean isExpired(Entry entry, long now) {
    return expireAfterWriteNanos > 0 && now - entry.writtenAt >= expireAfterWriteNanos;
  }

  /**
   * Returns {@code entry}, or null after dropping it if it is cached and expired; adds its chunk to
   * {@code toClose} if no reader holds it.
   */
  private Entry dropIfExpiredLocked(Entry entry, long now, List<ColumnChunk> toClose) {
    if (entry == null || !entry.cached || !isExpired(entry, now)) {
      return entry;
    }
    expirations++;
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
  private int expireLocked(long now, List<ColumnChunk> toClose) {
    int dropped = 0;
    while (!writeOrder.isEmpty()) {
      Entry oldest = writeOrder.iterator().next();
      if (dropIfExpiredLocked(oldest, now, toClose) != null) {
        break;
      }
      dropped++;
    }
    return dropped;
  }

  private boolean isPinnedLocked(Entry entry, long now) {
    PinTerm keyPin = keyPins.get(entry.key);
    if (keyPin != null && keyPin.liveAt(now)) {
      return true;
    }
    boolean pinnedByRule = false;
    for (var it = entry.rules.iterator(); it.hasNext(); ) {
      PinRule rule = it.next();
      if (rule.removed || !rule.term.liveAt(now)) {
        it.remove(); // never live again: keep the list short
      } else {
        pinnedByRule = true;
      }
    }
    return pinnedByRule;
  }

  /** Brings a cached entry's pinned state, and its place in the eviction order, up to date. */
  private void refreshPinLocked(Entry entry, long now) {
    if (!entry.cached) {
      return;
    }
    boolean shouldPin = isPinnedLocked(entry, now);
    if (shouldPin == entry.pinned) {
      return;
    }
    entry.pinned = shouldPin;
    if (shouldPin) {
      pinned.add(entry);
      pinnedBytes += entry.sizeBytes;
      order.remove(entry);
      if (entry.readers == 0) {
        evictableBytes -= entry.sizeBytes;
      }
    } else {
      pinned.remove(entry);
      pinnedBytes -= entry.sizeBytes;
      order.add(entry);
      if (entry.readers == 0) {
        evictableBytes += entry.sizeBytes;
      }
    }
  }

  private void refreshPinnedLocked(long now) {
    for (Entry entry : new ArrayList<>(pinned)) {
      refreshPinLocked(entry, now);
    }
  }

  private void noteDeadlineLocked(PinTerm term) {
    if (term.forever()) {
      return;
    }
    if (!timedPins || term.deadline() - nextPinDeadline < 0) {
      nextPinDeadline = term.deadline();
    }
    timedPins = true;
  }

  /** Removes expired key pins and rules and unpins their entries, once a deadline has passed. */
  private void sweepExpiredPinsLocked(long now) {
    if (!timedPins || now - nextPinDeadline < 0) {
      return;
    }
    keyPins.values().removeIf(term -> !term.liveAt(now));
    for (var it = pinRules.values().iterator(); it.hasNext(); ) {
      PinRule rule = it.next();
      if (!rule.term.liveAt(now)) {
        rule.removed = true;
        it.remove();
        rulesVersion++;
      }
    }
    refreshPinnedLocked(now);
    timedPins = false;
    for (PinTerm term : keyPins.values()) {
      noteDeadlineLocked(term);
    }
    for (PinRule rule : pinRules.values()) {
      noteDeadlineLocked(rule.term);
    }
  }

  private static void checkTtl(Duration ttl) {
    if (ttl != null && (ttl.isZero() || ttl.isNegative())) {
      throw new IllegalArgumentException("ttl must be positive or null: " + ttl);
    }
  }

  /** The duration in nanoseconds, at most {@link Long#MAX_VALUE}. */
  private static long saturatedNanos(Duration duration) {
    return duration.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0
        ? Long.MAX_VALUE
        : duration.toNanos();
  }

  private static void closeChunks(List<ColumnChunk> chunks) {
    RuntimeException first = null;
    for (ColumnChunk chunk : chunks) {
      try {
        chunk.close();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static void closeChunksQuietly(Iterable<ColumnChunk> chunks, Throwable failure) {
    for (ColumnChunk chunk : chunks) {
      if (chunk == null) {
        continue;
      }
      try {
        chunk.close();
      } catch (RuntimeException e) {
        failure.addSuppressed(e);
      }
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

  /** How long a pin lives: forever, or until a deadline of the ticker. */
  private record PinTerm(boolean forever, long deadline) {
    static PinTerm of(Duration ttl, long now) {
      return ttl == null ? new PinTerm(true, 0) : new PinTerm(false, now + saturatedNanos(ttl));
    }

    boolean liveAt(long now) {
      return forever || deadline - now > 0;
    }
  }

  /** A named {@link #pinAll} rule. {@code removed} is guarded by the cache's lock. */
  static final class PinRule {
    final String name;
    final Predicate<ColumnChunkKey> matching;
    final PinTerm term;
    boolean removed;

    PinRule(String name, Predicate<ColumnChunkKey> matching, PinTerm term) {
      this.name = name;
      this.matching = matching;
      this.term = term;
    }
  }

  /**
   * The configuration of a {@link ChunkCache}. Immutable; start from {@link #of(long)} and use the
   * {@code with} methods.
   *
   * @param capacityBytes the limit of the cache's allocator: off-heap bytes held by cached data,
   *     data held by readers and loads in progress never exceed it
   * @param evictionMarginBytes bytes to keep free when evicting; 0 evicts exactly what is needed
   *     (see {@link ChunkCache#ChunkCache(BufferAllocator, long, long)})
   * @param evictionPolicy the order of eviction
   * @param ticker the time source for pin and entry expiry
   * @param expireAfterWrite how long after loading an entry expires; null for never
   */
  public record Options(
      long capacityBytes,
      long evictionMarginBytes,
      EvictionPolicy evictionPolicy,
      Ticker ticker,
      Duration expireAfterWrite) {

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException if {@code capacityBytes} is not positive, the margin is
     *     negative or not below the capacity, or {@code expireAfterWrite} is not positive
     * @throws NullPointerException if the policy or the ticker is null
     */
    public Options {
      if (capacityBytes <= 0) {
        throw new IllegalArgumentException("capacityBytes must be > 0: " + capacityBytes);
      }
      if (evictionMarginBytes < 0 || evictionMarginBytes >= capacityBytes) {
        throw new IllegalArgumentException(
            "evictionMarginBytes must be in [0, capacityBytes): " + evictionMarginBytes);
      }
      Objects.requireNonNull(evictionPolicy, "evictionPolicy");
      Objects.requireNonNull(ticker, "ticker");
      if (expireAfterWrite != null
          && (expireAfterWrite.isZero() || expireAfterWrite.isNegative())) {
        throw new IllegalArgumentException(
            "expireAfterWrite must be positive or null: " + expireAfterWrite);
      }
    }

    /** LRU, no margin, the system ticker, no expiry. */
    public static Options of(long capacityBytes) {
      return new Options(capacityBytes, 0, EvictionPolicy.LRU, Ticker.system(), null);
    }

    /** These options with another eviction margin. */
    public Options withEvictionMargin(long marginBytes) {
      return new Options(capacityBytes, marginBytes, evictionPolicy, ticker, expireAfterWrite);
    }

    /** These options with another eviction policy. */
    public Options withEvictionPolicy(EvictionPolicy policy) {
      return new Options(capacityBytes, evictionMarginBytes, policy, ticker, expireAfterWrite);
    }

    /** These options with another ticker. */
    public Options withTicker(Ticker newTicker) {
      return new Options(
          capacityBytes, evictionMarginBytes, evictionPolicy, newTicker, expireAfterWrite);
    }

    /** These options with entries expiring {@code ttl} after loading; null for never. */
    public Options withExpireAfterWrite(Duration ttl) {
      return new Options(capacityBytes, evictionMarginBytes, evictionPolicy, ticker, ttl);
    }
  }

  /**
   * One key's state: loading ({@code chunk == null}, {@code loaded} pending), loaded, or failed.
   * Fields other than the final ones are guarded by the cache's lock.
   */
  static final class Entry {
    final ColumnChunkKey key;
    final CompletableFuture<Void> loaded = new CompletableFuture<>();
    Thread loadingThread;
    ColumnChunk chunk;
    long sizeBytes;

    /** Reader references, including callers waiting for the load. */
    int readers;

    /** Whether the cache holds its reference (the entry is in the index and loaded). */
    boolean cached;

    /** Invalidated while loading: the result is handed to its callers but not cached. */
    boolean invalidated;

    /** Whether a pin holds the cached entry: it is then outside the eviction order. */
    boolean pinned;

    /** Pin rules the key matched; dead ones are pruned when pins are re-evaluated. */
    List<PinRule> rules = List.of();

    /** The ticker's time when the entry was cached. */
    long writtenAt;

    /** The {@link TinyLfuOrder} region, or {@link TinyLfuOrder#NONE}. */
    byte region;

    Entry(ColumnChunkKey key) {
      this.key = key;
    }

    void addRule(PinRule rule) {
      if (rules.isEmpty()) {
        rules = new ArrayList<>(2);
      }
      if (!rules.contains(rule)) {
        rules.add(rule);
      }
    }

    @Override
    public String toString() {
      return "Entry[" + key + "]";
    }
  }
}
