package io.quiver.cache;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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
 * An off-heap cache of decoded column chunks with a hard memory bound, LRU eviction,
 * reference-counted entries and single-flight loading.
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
 * once), it evicts least-recently-used entries that no reader holds until the request fits (plus
 * the optional eviction margin). If even evicting every such entry would not be enough, it evicts
 * nothing and the allocation fails with Arrow's {@link OutOfMemoryException}, which the cache
 * reports as {@link CacheCapacityException}. If an allocation failed although the listener did not
 * refuse it on the loading thread (it lost such a race twice) and entries are evictable, the cache
 * calls the loader again, at most {@value #MAX_LOAD_ATTEMPTS} times in all.
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
 * <h2>Recency</h2>
 *
 * An entry's place in the LRU order is the time its last reader released it (or it was loaded): an
 * entry in use is not a candidate at all, and a hit makes it most recent once released.
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

  /** Size of the last allocation the listener refused on this thread, for the error message. */
  private final ThreadLocal<Long> refusedRequest = new ThreadLocal<>();

  private final Object lock = new Object();

  // Everything below is guarded by lock.
  /** Entries being loaded and entries the cache holds a reference to. */
  private final Map<ColumnChunkKey, Entry> index = new HashMap<>();

  /** Cached, loaded entries without readers, least recently used first. */
  private final LinkedHashSet<Entry> evictable = new LinkedHashSet<>();

  private long evictableBytes;
  private long cachedEntries;
  private long cachedBytes;
  private long readerReferences;
  private long loadsInProgress;
  private long hits;
  private long misses;
  private long evictions;
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
    Objects.requireNonNull(parent, "parent");
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes must be > 0: " + capacityBytes);
    }
    if (evictionMarginBytes < 0 || evictionMarginBytes >= capacityBytes) {
      throw new IllegalArgumentException(
          "evictionMarginBytes must be in [0, capacityBytes): " + evictionMarginBytes);
    }
    this.capacityBytes = capacityBytes;
    this.evictionMarginBytes = evictionMarginBytes;
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
   *     readers or loads in progress
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
      for (ColumnChunkKey key : distinct) {
        Entry entry = index.get(key);
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
    synchronized (lock) {
      ensureOpen();
      Entry entry = index.get(key);
      if (entry == null || entry.chunk == null) {
        misses++;
        return null;
      }
      hits++;
      retainLocked(entry);
      return new CachedChunk(this, entry, entry.chunk);
    }
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
      return new CacheStats(
          cachedEntries,
          cachedBytes,
          capacityBytes,
          hits,
          misses,
          evictions,
          loadFailures,
          bytesLoaded);
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
        toClose.add(entry.chunk);
        entry.chunk = null;
        entry.cached = false;
      }
      index.clear();
      evictable.clear();
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
    synchronized (lock) {
      for (Entry entry : batch) {
        ColumnChunk chunk = loaded.get(entry.key);
        entry.chunk = chunk;
        entry.sizeBytes = chunk.sizeBytes();
        entry.loadingThread = null;
        bytesLoaded += entry.sizeBytes;
        if (!entry.invalidated) {
          entry.cached = true;
          cachedEntries++;
          cachedBytes += entry.sizeBytes;
        }
        // This caller holds a reference, so the entry is not evictable yet.
      }
      loadsInProgress--;
    }
    for (Entry entry : batch) {
      entry.loaded.complete(null);
    }
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
    if (entry.readers == 1 && evictable.remove(entry)) {
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
      evictable.add(entry);
      evictableBytes += entry.sizeBytes;
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
    if (evictable.remove(entry)) {
      evictableBytes -= entry.sizeBytes;
    }
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
   * Evicts least-recently-used unreferenced entries until the allocator has {@code size} bytes of
   * headroom. Evicts nothing if that cannot be reached even by evicting all of them.
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
        if (closed || evictable.isEmpty() || headroom + evictableBytes < size) {
          // Either the request fits without the margin, or evicting everything would not make it
          // fit: then keep the cache intact and let the allocation fail.
          return headroom >= size;
        }
        long needed = wanted - headroom;
        long freed = 0;
        while (freed < needed && !evictable.isEmpty()) {
          Entry eldest = evictable.iterator().next();
          freed += eldest.sizeBytes;
          evictions++;
          // Unreferenced, so uncaching hands back the chunk to close.
          victims.add(uncacheLocked(eldest));
        }
      }
      LOG.debug("evicted {} chunk(s) to allocate {} bytes", victims.size(), size);
      // Closing returns the memory to the allocator right away (nobody else references it), so the
      // next round sees the headroom; a concurrent allocation may take it, hence the loop.
      closeChunks(victims);
    }
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

    Entry(ColumnChunkKey key) {
      this.key = key;
    }

    @Override
    public String toString() {
      return "Entry[" + key + "]";
    }
  }
}
