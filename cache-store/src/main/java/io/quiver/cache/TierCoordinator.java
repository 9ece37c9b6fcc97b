package io.quiver.cache;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.OutOfMemoryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tier coordinator of a {@link ChunkCache}: moves chunks between the memory tier (the cache's
 * allocator, owned by the cache), the optional disk tier ({@link DiskTier}) and the optional
 * stream-through allocator. It demotes evicted entries to disk, reads (promotes) memory misses from
 * disk, streams loads through when memory is full, re-indexes the disk tier at start and keeps
 * memory's contents on disk at close.
 *
 * <h2>Tiers</h2>
 *
 * Memory is the first tier. With {@link CacheOptions#withDiskTier} a second tier of Arrow IPC files
 * in one or more directories, each with its own capacity, sits behind it ({@code DiskTier}, file
 * format in {@code ChunkFiles}: one record batch per slice, key and a CRC32C of everything but the
 * footer in the footer's custom metadata). An entry evicted from memory for room or for its quota
 * (not pinned, no reader, by definition of evictable) is <em>demoted</em>: written to a temporary
 * file, renamed atomically, and indexed; a directory over its capacity deletes its least recently
 * used files. The disk tier is inclusive: a file stays after its chunk is promoted, so a chunk
 * evicted again costs no write. A memory miss looks at the disk tier first: the file is mapped
 * ({@link java.nio.channels.FileChannel#map}), its checksum verified, and the chunk's vectors are
 * built over the mapping without copying (only all-valid or all-null validity bitmaps are
 * re-created by Arrow's loader). A damaged, truncated or foreign file is deleted, counted as {@link
 * EvictionCause#CORRUPT} and the key is loaded from the source instead: never served. A disk hit is
 * <em>promoted</em>, i.e. cached in memory, always under LRU and under TinyLFU only if it was
 * requested more often than the main region's victim (otherwise the caller gets it uncached and the
 * mapping goes with the caller's reference). Invalidation deletes the files too; expiry applies to
 * disk copies with the age of the data, not of the file. Loading a key from the source drops cached
 * entries and files of other versions of the same file, row group and column ({@link
 * EvictionCause#STALE}).
 *
 * <p><b>Warm restart.</b> A new cache over existing directories re-indexes their files on {@link
 * CacheOptions#executor()} while already serving (misses go to the loader until {@link
 * #reindexed()} completes); it deletes temporary files of interrupted writes, unreadable files and
 * files that {@link CacheOptions#withVersionCheck} rejects. Each directory is locked (a lock file)
 * by one cache at a time.
 *
 * <p><b>Threads and I/O.</b> Demotion is synchronous on the thread whose allocation needed the room
 * (or, for quotas, the thread that loaded or released the group's entries), without any lock held:
 * the memory must be free before that allocation can proceed, so a bounded backlog of pending
 * writes would only move the wait. Readers of other entries are never blocked by it: lookups take
 * the index lock only briefly, and disk reads, writes and deletes run outside every lock. A key
 * being demoted is absent from both tiers for the duration of its write; a request for it then
 * loads it from the source.
 *
 * <h2>Stream-through</h2>
 *
 * With {@link CacheOptions#withStreamThrough}, a load that cannot get memory because everything
 * cached is pinned or held by readers does not fail: the loader runs again against a separate
 * allocator ({@value ChunkCache#OVERFLOW_ALLOCATOR_NAME}, a child of the parent limited to the
 * budget) and {@link ChunkCache#getAll} returns chunks that are not cached ({@link
 * CachedChunk#uncached()}), owned only by the callers of that load: closing the last reference
 * frees them. A disk hit that cannot be mapped into the cache's allocator is mapped into that
 * allocator the same way. If the budget is exhausted too, the load fails with {@link
 * CacheCapacityException}; Arrow's {@link OutOfMemoryException} never escapes, and nothing waits
 * for memory.
 *
 * <p>Contract: the coordinator moves data and runs I/O; the cache keeps the books. It never holds
 * the cache's lock and never touches the index or an entry: it reports what happened (a {@link
 * DiskRead} says whether the chunk went to the stream-through allocator) and the cache records it
 * under its lock. It classifies allocation failures in the memory tier through {@link MemoryTier},
 * which the cache implements; those callbacks take the cache's lock briefly, never across I/O.
 *
 * <p>Ownership: owns the {@link DiskTier} and the stream-through allocator once constructed, and
 * closes them in {@link #close()}; borrows the cache's allocator and counters. Chunks it reads or
 * streams through are handed to the caller, who owns them; chunks it demotes ({@link #demote}) are
 * closed by it.
 *
 * <p>Thread-safety: thread-safe, and lock-free itself: its fields are final, the disk tier has its
 * own lock (never held together with the cache's), allocators and counters are thread-safe. Every
 * method that does I/O or runs a loader must be called without the cache's lock.
 */
final class TierCoordinator {
  // Logs under ChunkCache's name, as before this code left ChunkCache.
  private static final Logger LOG = LoggerFactory.getLogger(ChunkCache.class);

  /** The disk tier, or null without one. */
  private final DiskTier disk;

  /** The cache's allocator: the memory tier. Borrowed. */
  private final BufferAllocator allocator;

  /** The stream-through allocator, or null when a full cache refuses loads. */
  private final BufferAllocator overflow;

  private final CacheCounters counters;

  /** Whether data first loaded at a given ticker time is expired now. */
  private final LongPredicate expired;

  private final MemoryTier memory;

  /** Completes when the disk tier's re-index is done (at once without a disk tier). */
  private final CompletableFuture<Void> reindexed = new CompletableFuture<>();

  /**
   * Takes over {@code disk} and {@code overflow} (either may be null). Without a disk tier {@link
   * #reindexed()} is complete at once; with one, call {@link #startReindex}.
   */
  TierCoordinator(
      DiskTier disk,
      BufferAllocator allocator,
      BufferAllocator overflow,
      CacheCounters counters,
      LongPredicate expired,
      MemoryTier memory) {
    this.disk = disk;
    this.allocator = allocator;
    this.overflow = overflow;
    this.counters = counters;
    this.expired = expired;
    this.memory = memory;
    if (disk == null) {
      reindexed.complete(null);
    }
  }

  /**
   * Re-indexes the files a previous instance left in the disk tier, on {@code executor}; does
   * nothing without a disk tier. A failure or a refusal of the executor leaves the tier empty.
   */
  void startReindex(Executor executor, Predicate<ColumnChunkKey> versionCheck) {
    if (disk == null) {
      return;
    }
    try {
      executor.execute(
          () -> {
            try {
              disk.reindex(versionCheck);
              reindexed.complete(null);
            } catch (IOException | RuntimeException | Error e) {
              LOG.warn("re-indexing the disk cache failed; it starts empty", e);
              reindexed.completeExceptionally(e);
            }
          });
    } catch (RejectedExecutionException e) {
      LOG.warn("the executor refused the disk cache re-index; it starts empty", e);
      reindexed.completeExceptionally(e);
    }
  }

  /** See {@link ChunkCache#reindexed()}. */
  CompletableFuture<Void> reindexed() {
    return reindexed.copy();
  }

  /** Whether there is a disk tier. */
  boolean hasDisk() {
    return disk != null;
  }

  /** Whether a load that does not fit in memory can be streamed through. */
  boolean canStreamThrough() {
    return overflow != null;
  }

  /**
   * Reads the chunk of {@code key} from the disk tier into the cache's allocator, or into the
   * stream-through allocator if the cache is full; null if the disk tier cannot serve it. Call only
   * with a disk tier.
   *
   * @throws CacheCapacityException if neither allocator can account the file
   */
  DiskRead readFromDisk(ColumnChunkKey key) {
    for (int attempt = 1; ; attempt++) {
      memory.clearRefusal();
      DiskTier.Read read;
      boolean streamed = false;
      try {
        read = disk.read(key, allocator, expired);
      } catch (OutOfMemoryException e) {
        Long refused = memory.takeRefusal();
        if (attempt < ChunkCache.MAX_LOAD_ATTEMPTS && memory.lostAllocationRace(e, refused)) {
          continue;
        }
        CacheCapacityException full = (CacheCapacityException) memory.translate(e, refused);
        if (overflow == null) {
          throw full;
        }
        try {
          read = disk.read(key, overflow, expired);
        } catch (OutOfMemoryException again) {
          CacheCapacityException both = (CacheCapacityException) memory.translate(again, null);
          both.addSuppressed(full);
          throw both;
        }
        streamed = read != null;
      }
      return read == null ? null : new DiskRead(read.chunk(), read.writtenAt(), streamed);
    }
  }

  /**
   * Loads {@code missing} into the stream-through allocator after the cache refused the load
   * ({@code full}); the caller hands the chunks to their callers uncached. Call only if {@link
   * #canStreamThrough()}.
   *
   * @return the checked chunks, owned by the caller
   */
  Map<ColumnChunkKey, ColumnChunk> streamThrough(
      List<ColumnChunkKey> missing, ChunkLoader loader, CacheCapacityException full)
      throws IOException {
    LOG.debug("cache full; streaming {} through without caching", missing);
    Map<ColumnChunkKey, ColumnChunk> result = null;
    try {
      result = LoaderCalls.timedLoad(loader, missing, overflow, counters);
      return LoaderCalls.checkLoaded(missing, result, overflow);
    } catch (Throwable t) {
      if (result != null) {
        LoaderCalls.closeChunksQuietly(result.values(), t);
      }
      Throwable failure = memory.translate(t, null);
      failure.addSuppressed(full);
      throw LoaderCalls.rethrow(failure);
    }
  }

  /**
   * Writes the victims that should be demoted to the disk tier, then closes them; without locks.
   * Closing returns their memory to the allocator.
   */
  void demote(List<Victim> victims) {
    RuntimeException first = null;
    for (Victim victim : victims) {
      if (victim.chunk() == null) {
        continue; // a reader still holds it; its memory goes with the last reference
      }
      try {
        if (victim.demote() && disk != null && !victim.chunk().slices().isEmpty()) {
          if (!disk.write(victim.key(), victim.chunk(), victim.writtenAt())) {
            // Too large for every directory, or an I/O error (logged by the tier).
            counters.demotionsRefused.increment();
          }
        }
      } finally {
        try {
          victim.chunk().close();
        } catch (RuntimeException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Writes what memory held to the disk tier when the cache closes, so that a restart finds it
   * (entries read from disk already have their file). Failures are logged, never thrown: closing
   * must free the memory regardless.
   */
  void persist(List<Victim> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long start = System.nanoTime();
    int written = 0;
    for (Victim v : entries) {
      try {
        if (!v.chunk().slices().isEmpty() && disk.write(v.key(), v.chunk(), v.writtenAt())) {
          written++;
        }
      } catch (RuntimeException e) {
        LOG.warn("could not keep {} on disk at close", v.key(), e);
      }
    }
    LOG.info(
        "kept {} of {} in-memory chunks on disk for the next start ({} ms)",
        written,
        entries.size(),
        (System.nanoTime() - start) / 1_000_000);
  }

  /**
   * Deletes the disk files of other versions of {@code key}'s chunk, which was just loaded from the
   * source: a caller that stats the source first can never ask for them.
   */
  void removeOtherVersions(ColumnChunkKey key) {
    if (disk != null) {
      disk.removeOtherVersions(key);
    }
  }

  /** Deletes the disk file of {@code key}, if any. */
  void remove(ColumnChunkKey key, EvictionCause cause) {
    if (disk != null) {
      disk.remove(key, cause);
    }
  }

  /** Deletes the disk files whose keys match. */
  void removeIf(Predicate<ColumnChunkKey> predicate, EvictionCause cause) {
    if (disk != null) {
      disk.removeIf(predicate, cause);
    }
  }

  /** The disk tier's counters ({@link DiskTier.Counters#NONE} without one). */
  DiskTier.Counters diskCounters() {
    return disk == null ? DiskTier.Counters.NONE : disk.counters();
  }

  /** Files deleted from the disk tier, by cause (all 0 without one). */
  Map<EvictionCause, Long> diskEvictions() {
    Map<EvictionCause, Long> onDisk = new EnumMap<>(EvictionCause.class);
    for (EvictionCause cause : EvictionCause.values()) {
      onDisk.put(cause, disk == null ? 0L : disk.evictions(cause));
    }
    return onDisk;
  }

  /** The disk files whose keys match (none without a disk tier). */
  List<EntryInfo> list(Predicate<ColumnChunkKey> predicate) {
    return disk == null ? List.of() : disk.list(predicate);
  }

  /** The disk tier's file of {@code key}, or null. */
  Path fileOf(ColumnChunkKey key) {
    return disk == null ? null : disk.pathOf(key);
  }

  /** Committed bytes per disk directory, in configuration order. */
  List<Long> diskUsedBytes() {
    return disk == null ? List.of() : disk.usedBytes();
  }

  /** Closes the disk tier (keeping its files for the next instance) and the overflow allocator. */
  void close() {
    if (disk != null) {
      disk.close(); // keeps the files for the next instance
    }
    if (overflow != null) {
      overflow.close();
    }
  }

  /**
   * What the coordinator needs from the memory tier when an allocation into the cache's allocator
   * fails; implemented by {@link ChunkCache}, whose allocation listener records refusals per
   * thread. Implementations take the cache's lock themselves where they need it.
   */
  interface MemoryTier {
    /** Forgets any refusal the listener recorded on this thread; called before an attempt. */
    void clearRefusal();

    /** The size of the allocation the listener refused on this thread, or null; forgets it. */
    Long takeRefusal();

    /** Whether the failure is a lost race for memory worth another attempt. */
    boolean lostAllocationRace(Throwable t, Long refused);

    /** The failure, turned into {@link CacheCapacityException} if it is an allocation failure. */
    Throwable translate(Throwable t, Long refused);
  }

  /**
   * A chunk read from the disk tier: the caller owns it. {@code streamed} if it went to the
   * stream-through allocator because the cache's was full.
   */
  record DiskRead(ColumnChunk chunk, long writtenAt, boolean streamed) {}

  /** An evicted entry: its chunk (null if a reader holds it) and whether to write it to disk. */
  record Victim(ColumnChunkKey key, ColumnChunk chunk, boolean demote, long writtenAt) {}
}
