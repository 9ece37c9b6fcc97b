package io.quiver.cache;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The configuration of a {@link ChunkCache}. Immutable; start from {@link #of(long)} and use the
 * {@code with} methods. (Until issue 12 this was the nested {@code ChunkCache.Options}.)
 *
 * <p>Ownership: a value; the cache copies what it needs when it is constructed. The functions it
 * carries ({@code versionCheck}, {@code quotaGroup}) and the {@code executor} are borrowed and must
 * be thread-safe. Thread-safety: immutable (the directory list is copied), safe to share.
 *
 * @param capacityBytes the limit of the cache's allocator: off-heap bytes held by cached data, data
 *     held by readers, files mapped from the disk tier and loads in progress never exceed it
 * @param evictionMarginBytes bytes to keep free when evicting; 0 evicts exactly what is needed (see
 *     {@link ChunkCache#ChunkCache(BufferAllocator, long, long)})
 * @param evictionPolicy the order of eviction
 * @param ticker the time source for pin and entry expiry
 * @param expireAfterWrite how long after loading an entry expires; null for never
 * @param diskDirectories the disk tier's directories; empty for no disk tier
 * @param executor runs the disk tier's re-index
 * @param versionCheck consulted for every file found by the re-index: false deletes it as stale;
 *     null keeps every readable file
 * @param streamThroughBytes the limit of the stream-through allocator; 0 for none (a full cache
 *     then refuses loads with {@link CacheCapacityException})
 * @param quotaGroup maps a key to its quota group (for example its table); null for no quotas
 * @param sharedMemory where the memory tier keeps chunks as files that clients on this host can map
 *     (short-circuit reads); null to keep them in ordinary off-heap memory
 */
public record CacheOptions(
    long capacityBytes,
    long evictionMarginBytes,
    EvictionPolicy evictionPolicy,
    Ticker ticker,
    Duration expireAfterWrite,
    List<DiskDirectory> diskDirectories,
    Executor executor,
    Predicate<ColumnChunkKey> versionCheck,
    long streamThroughBytes,
    Function<ColumnChunkKey, String> quotaGroup,
    SharedMemoryOptions sharedMemory) {

  /**
   * Validates the options.
   *
   * @throws IllegalArgumentException if {@code capacityBytes} is not positive, the margin is
   *     negative or not below the capacity, {@code expireAfterWrite} is not positive, the
   *     stream-through budget is negative, or two disk directories are the same
   * @throws NullPointerException if the policy, the ticker, the directories or the executor is null
   */
  public CacheOptions {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes must be > 0: " + capacityBytes);
    }
    if (evictionMarginBytes < 0 || evictionMarginBytes >= capacityBytes) {
      throw new IllegalArgumentException(
          "evictionMarginBytes must be in [0, capacityBytes): " + evictionMarginBytes);
    }
    Objects.requireNonNull(evictionPolicy, "evictionPolicy");
    Objects.requireNonNull(ticker, "ticker");
    if (expireAfterWrite != null && (expireAfterWrite.isZero() || expireAfterWrite.isNegative())) {
      throw new IllegalArgumentException(
          "expireAfterWrite must be positive or null: " + expireAfterWrite);
    }
    diskDirectories = List.copyOf(diskDirectories);
    Set<java.nio.file.Path> distinct = new HashSet<>();
    for (DiskDirectory directory : diskDirectories) {
      if (!distinct.add(directory.path().toAbsolutePath().normalize())) {
        throw new IllegalArgumentException("disk directory listed twice: " + directory.path());
      }
    }
    Objects.requireNonNull(executor, "executor");
    if (streamThroughBytes < 0) {
      throw new IllegalArgumentException("streamThroughBytes must be >= 0: " + streamThroughBytes);
    }
  }

  /** The first five options; no disk tier, stream-through or quotas. */
  public CacheOptions(
      long capacityBytes,
      long evictionMarginBytes,
      EvictionPolicy evictionPolicy,
      Ticker ticker,
      Duration expireAfterWrite) {
    this(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        List.of(),
        ForkJoinPool.commonPool(),
        null,
        0,
        null,
        null);
  }

  /** LRU, no margin, the system ticker, no expiry, memory only, no stream-through or quotas. */
  public static CacheOptions of(long capacityBytes) {
    return new CacheOptions(capacityBytes, 0, EvictionPolicy.LRU, Ticker.system(), null);
  }

  /** These options with another eviction margin. */
  public CacheOptions withEvictionMargin(long marginBytes) {
    return new CacheOptions(
        capacityBytes,
        marginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        diskDirectories,
        executor,
        versionCheck,
        streamThroughBytes,
        quotaGroup,
        sharedMemory);
  }

  /** These options with another eviction policy. */
  public CacheOptions withEvictionPolicy(EvictionPolicy policy) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        policy,
        ticker,
        expireAfterWrite,
        diskDirectories,
        executor,
        versionCheck,
        streamThroughBytes,
        quotaGroup,
        sharedMemory);
  }

  /** These options with another ticker. */
  public CacheOptions withTicker(Ticker newTicker) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        newTicker,
        expireAfterWrite,
        diskDirectories,
        executor,
        versionCheck,
        streamThroughBytes,
        quotaGroup,
        sharedMemory);
  }

  /** These options with entries expiring {@code ttl} after loading; null for never. */
  public CacheOptions withExpireAfterWrite(Duration ttl) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        ttl,
        diskDirectories,
        executor,
        versionCheck,
        streamThroughBytes,
        quotaGroup,
        sharedMemory);
  }

  /**
   * These options with a disk tier over {@code directories} (replacing any): entries evicted from
   * memory for room or quota are written there, and memory misses are served from there.
   */
  public CacheOptions withDiskTier(DiskDirectory... directories) {
    return withDiskTier(List.of(directories));
  }

  /** As {@link #withDiskTier(DiskDirectory...)}; an empty list removes the disk tier. */
  public CacheOptions withDiskTier(List<DiskDirectory> directories) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        directories,
        executor,
        versionCheck,
        streamThroughBytes,
        quotaGroup,
        sharedMemory);
  }

  /** These options with another executor for background work (the disk tier's re-index). */
  public CacheOptions withExecutor(Executor newExecutor) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        diskDirectories,
        newExecutor,
        versionCheck,
        streamThroughBytes,
        quotaGroup,
        sharedMemory);
  }

  /**
   * These options with a version check for the disk tier's re-index: a file whose key it rejects
   * (its source changed since) is deleted. It runs on the executor, once per file, and must be
   * thread-safe; if it throws, the file is kept (a key names its version, so keeping it never
   * serves stale data).
   */
  public CacheOptions withVersionCheck(Predicate<ColumnChunkKey> stillCurrent) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        diskDirectories,
        executor,
        stillCurrent,
        streamThroughBytes,
        quotaGroup,
        sharedMemory);
  }

  /**
   * These options with stream-through: when a load cannot fit because everything cached is pinned
   * or in use, the loader runs again against an allocator of {@code budgetBytes} (a child of the
   * cache's parent) and the caller gets uncached chunks that only it owns. 0 disables it.
   */
  public CacheOptions withStreamThrough(long budgetBytes) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        diskDirectories,
        executor,
        versionCheck,
        budgetBytes,
        quotaGroup,
        sharedMemory);
  }

  /**
   * These options with quota groups: {@code group} maps a key to its group's name (null for none);
   * {@link ChunkCache#setQuota} bounds a group's cached bytes. The function runs without the
   * cache's lock, once per loaded key; it must be cheap and thread-safe.
   */
  public CacheOptions withQuotaGroup(Function<ColumnChunkKey, String> group) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        diskDirectories,
        executor,
        versionCheck,
        streamThroughBytes,
        group,
        sharedMemory);
  }

  /**
   * These options with the memory tier in shared memory (see {@link SharedMemoryOptions}); null
   * keeps chunks in ordinary off-heap memory.
   */
  public CacheOptions withSharedMemory(SharedMemoryOptions options) {
    return new CacheOptions(
        capacityBytes,
        evictionMarginBytes,
        evictionPolicy,
        ticker,
        expireAfterWrite,
        diskDirectories,
        executor,
        versionCheck,
        streamThroughBytes,
        quotaGroup,
        options);
  }
}
