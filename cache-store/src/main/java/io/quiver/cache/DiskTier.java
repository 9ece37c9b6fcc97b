package io.quiver.cache;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier of a {@link ChunkCache}: column chunks as Arrow IPC files ({@link ChunkFiles}) in
 * one or more directories, each bounded by its capacity, evicted coldest first.
 *
 * <p>Files are written under a temporary name ({@code .tmp}) and renamed atomically when complete,
 * so a crash leaves either a complete file or a temporary one that the next re-index deletes. Names
 * carry a per-instance session prefix so that a re-index never touches files this instance is
 * writing. Files are never modified after the rename, and a file is deleted only after it left the
 * index; deleting a file that is still mapped by a reader is safe on POSIX systems (the mapping
 * keeps the data until it is unmapped).
 *
 * <p>Thread-safety: thread-safe. One internal lock guards the index and counters; it is never held
 * during file I/O (writes, reads, deletes, listing). The {@link ChunkCache} never calls in while
 * holding its own lock, and this class never calls the cache.
 */
final class DiskTier implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DiskTier.class);
  static final String SUFFIX = ".arrow";
  static final String TEMP_SUFFIX = ".tmp";
  static final String LOCK_FILE = ".quiver-cache.lock";

  /** Bytes reserved beyond the data for a file's metadata (schema, per-batch messages, footer). */
  private static final long FILE_OVERHEAD = 4096;

  private static final long PER_SLICE_OVERHEAD = 1024;

  private final Ticker ticker;
  private final String session = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
  private final List<Dir> dirs = new ArrayList<>();

  private final Object lock = new Object();

  // Guarded by lock, as are the mutable fields of Dir and DiskFile (not expressible there: the
  // lock is not reachable from them).
  @GuardedBy("lock")
  private final Map<ColumnChunkKey, DiskFile> index = new HashMap<>();

  @GuardedBy("lock")
  private final Map<Slot, Set<ColumnChunkKey>> bySlot = new HashMap<>();

  @GuardedBy("lock")
  private long sequence;

  @GuardedBy("lock")
  private long useClock;

  @GuardedBy("lock")
  private long bytes;

  @GuardedBy("lock")
  private long hits;

  @GuardedBy("lock")
  private long writes;

  @GuardedBy("lock")
  private long writeFailures;

  /** Files removed, indexed by {@link EvictionCause#ordinal()}. */
  @GuardedBy("lock")
  private final long[] evictions = new long[EvictionCause.values().length];

  @GuardedBy("lock")
  private boolean closed;

  /**
   * Opens (creating if needed) and locks the directories. Does not index existing files; see {@link
   * #reindex}.
   *
   * @throws UncheckedIOException if a directory cannot be created or locked
   * @throws IllegalStateException if another cache holds a directory's lock
   */
  DiskTier(List<DiskDirectory> directories, Ticker ticker) {
    this.ticker = ticker;
    try {
      for (DiskDirectory directory : directories) {
        dirs.add(new Dir(directory));
      }
    } catch (RuntimeException | Error e) {
      releaseLocks();
      throw e;
    }
  }

  /**
   * Reads the chunk of {@code key} from its file into {@code allocator}, or returns null if the key
   * has no file, its data is expired ({@code expired} tests when it was first loaded; the file is
   * deleted) or its file is damaged (then the file is deleted and counted as {@link
   * EvictionCause#CORRUPT}). The caller owns the returned chunk.
   *
   * @throws org.apache.arrow.memory.OutOfMemoryException if {@code allocator} cannot account the
   *     mapped file; the file stays
   */
  Read read(ColumnChunkKey key, BufferAllocator allocator, LongPredicate expired) {
    DiskFile file;
    synchronized (lock) {
      file = closed ? null : index.get(key);
      if (file == null) {
        return null;
      }
      if (!expired.test(file.writtenAt)) {
        touchLocked(file);
      }
    }
    if (expired.test(file.writtenAt)) {
      removeFile(file, EvictionCause.EXPIRED);
      return null;
    }
    try {
      ColumnChunk chunk = ChunkFiles.read(file.path, key, allocator);
      synchronized (lock) {
        hits++;
        file.hits++;
      }
      return new Read(chunk, file.writtenAt);
    } catch (NoSuchFileException e) {
      // Deleted by someone else (an operator cleaning up): forget it, not a corruption.
      LOG.debug("disk cache file {} vanished", file.path);
      removeFile(file, null);
      return null;
    } catch (IOException | RuntimeException e) {
      if (e instanceof org.apache.arrow.memory.OutOfMemoryException oom) {
        throw oom;
      }
      LOG.warn("dropping damaged disk cache file of {}: {}", key, e.toString());
      removeFile(file, EvictionCause.CORRUPT);
      return null;
    }
  }

  /**
   * Writes {@code chunk} as the file of {@code key}, unless the key has a file already or the chunk
   * cannot fit any directory. Evicts the coldest files of the chosen directory as needed. The chunk
   * is only read; the caller keeps it. Failures are logged and counted, never thrown.
   *
   * @return whether the chunk is on disk now (written now or before)
   */
  boolean write(ColumnChunkKey key, ColumnChunk chunk, long writtenAt) {
    if (chunk.slices().isEmpty()) {
      return false; // nothing worth a file: an empty chunk costs nothing to rebuild
    }
    long reserve = estimate(chunk);
    if (reserve > Integer.MAX_VALUE) {
      return false; // one mapping per file: a file must stay below 2 GiB to be readable
    }
    Dir dir;
    List<DiskFile> evicted = new ArrayList<>();
    Path temp;
    Path path;
    synchronized (lock) {
      if (closed) {
        return false;
      }
      if (index.containsKey(key)) {
        return true;
      }
      dir = null;
      for (Dir candidate : dirs) {
        if (candidate.capacity >= reserve
            && (dir == null || candidate.capacity - candidate.used > dir.capacity - dir.used)) {
          dir = candidate;
        }
      }
      if (dir == null) {
        return false;
      }
      makeRoomLocked(dir, reserve, evicted);
      dir.used += reserve;
      String name =
          session + "-" + Long.toHexString(sequence++) + "-" + Integer.toHexString(key.hashCode());
      temp = dir.path.resolve(name + TEMP_SUFFIX);
      path = dir.path.resolve(name + SUFFIX);
    }
    deleteFiles(evicted);
    long size;
    try {
      size = ChunkFiles.write(temp, key, chunk);
      moveAtomically(temp, path);
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not write {} to the disk cache in {}: {}", key, dir.path, e.toString());
      deleteQuietly(temp);
      synchronized (lock) {
        dir.used -= reserve;
        writeFailures++;
      }
      return false;
    }
    boolean keep;
    evicted.clear();
    synchronized (lock) {
      dir.used -= reserve;
      // A concurrent write of the same key won, the tier closed, or the estimate was too low and
      // the real size does not fit at all.
      keep = !closed && !index.containsKey(key) && size <= dir.capacity;
      if (keep) {
        makeRoomLocked(dir, size, evicted);
        DiskFile file = new DiskFile(key, path, dir, size, ticker.nanos(), writtenAt);
        addLocked(file, ++useClock);
        writes++;
      }
    }
    deleteFiles(evicted);
    if (!keep) {
      deleteQuietly(path);
    }
    return keep;
  }

  /** Deletes the file of {@code key}, if any. */
  void remove(ColumnChunkKey key, EvictionCause cause) {
    DiskFile file;
    synchronized (lock) {
      file = index.get(key);
    }
    if (file != null) {
      removeFile(file, cause);
    }
  }

  /** Deletes the files whose keys match; the predicate runs without the lock, on a snapshot. */
  void removeIf(Predicate<ColumnChunkKey> predicate, EvictionCause cause) {
    List<DiskFile> snapshot;
    synchronized (lock) {
      snapshot = new ArrayList<>(index.values());
    }
    for (DiskFile file : snapshot) {
      if (predicate.test(file.key)) {
        removeFile(file, cause);
      }
    }
  }

  /**
   * Deletes the files of other versions of {@code key}'s file, row group and column, counted as
   * {@link EvictionCause#STALE}.
   */
  void removeOtherVersions(ColumnChunkKey key) {
    List<DiskFile> stale = new ArrayList<>();
    synchronized (lock) {
      Set<ColumnChunkKey> versions = bySlot.get(Slot.of(key));
      if (versions == null || (versions.size() == 1 && versions.contains(key))) {
        return;
      }
      for (ColumnChunkKey other : versions) {
        if (!other.equals(key)) {
          stale.add(index.get(other));
        }
      }
    }
    for (DiskFile file : stale) {
      removeFile(file, EvictionCause.STALE);
    }
  }

  /**
   * Indexes the files a previous instance left in the directories: deletes temporary files
   * (interrupted writes), unreadable files ({@link EvictionCause#CORRUPT}) and files whose key
   * {@code stillCurrent} rejects ({@link EvictionCause#STALE}); indexes the rest, oldest
   * modification first (so they are colder than anything written since this instance started),
   * evicting the coldest where a directory is over its capacity. Only footers are read here; data
   * is verified when it is read. Stops early when the tier is closed.
   *
   * @param stillCurrent the version check, or null to keep every readable file
   */
  void reindex(Predicate<ColumnChunkKey> stillCurrent) throws IOException {
    for (Dir dir : dirs) {
      List<Found> found = new ArrayList<>();
      try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir.path)) {
        for (Path path : listing) {
          String name = path.getFileName().toString();
          if (name.startsWith(session + "-") || isClosed()) {
            continue; // written by this instance (or we are closing)
          }
          if (name.endsWith(TEMP_SUFFIX)) {
            LOG.info("deleting the partial disk cache file {}", path);
            deleteQuietly(path);
            continue;
          }
          if (!name.endsWith(SUFFIX)) {
            continue;
          }
          ColumnChunkKey key;
          long size;
          long modified;
          try {
            key = ChunkFiles.readKey(path);
            size = Files.size(path);
            modified = Files.getLastModifiedTime(path).toMillis();
          } catch (IOException | RuntimeException e) {
            LOG.warn("deleting the unreadable disk cache file {}: {}", path, e.toString());
            deleteQuietly(path);
            count(EvictionCause.CORRUPT);
            continue;
          }
          if (!isCurrent(stillCurrent, key)) {
            deleteQuietly(path);
            count(EvictionCause.STALE);
            continue;
          }
          found.add(new Found(key, path, size, modified));
        }
      }
      found.sort(Comparator.comparingLong(Found::modified));
      List<DiskFile> evicted = new ArrayList<>();
      List<Path> duplicates = new ArrayList<>();
      synchronized (lock) {
        if (closed) {
          return;
        }
        long stamp = -found.size() - 1L;
        long now = ticker.nanos();
        for (Found f : found) {
          stamp++;
          if (index.containsKey(f.key) || f.size > dir.capacity) {
            duplicates.add(f.path); // this instance wrote the key again already
            continue;
          }
          // The ticker of the previous process is not comparable: expiry restarts now.
          addLocked(new DiskFile(f.key, f.path, dir, f.size, now, now), stamp);
        }
        makeRoomLocked(dir, 0, evicted);
      }
      deleteFiles(evicted);
      for (Path path : duplicates) {
        deleteQuietly(path);
      }
    }
  }

  private static boolean isCurrent(Predicate<ColumnChunkKey> stillCurrent, ColumnChunkKey key) {
    if (stillCurrent == null) {
      return true;
    }
    try {
      return stillCurrent.test(key);
    } catch (RuntimeException e) {
      // A key names its version, so keeping a file whose check failed can never serve stale data;
      // it only occupies space until evicted.
      LOG.warn("version check failed for {}; keeping its disk cache file", key, e);
      return true;
    }
  }

  /** A snapshot of the counters. */
  Counters counters() {
    synchronized (lock) {
      return new Counters(bytes, index.size(), hits, writes, writeFailures);
    }
  }

  /**
   * The disk tier's counters at one moment.
   *
   * @param bytes committed bytes of indexed files
   * @param entries indexed files
   * @param hits reads served from a file
   * @param writes files written (demotions and files kept at close)
   * @param writeFailures writes that failed or did not fit any directory
   */
  record Counters(long bytes, long entries, long hits, long writes, long writeFailures) {
    /** The counters of a cache without a disk tier. */
    static final Counters NONE = new Counters(0, 0, 0, 0, 0);
  }

  long evictions(EvictionCause cause) {
    synchronized (lock) {
      return evictions[cause.ordinal()];
    }
  }

  /** The files whose keys match, as {@link EntryInfo}s; the predicate runs without the lock. */
  List<EntryInfo> list(Predicate<ColumnChunkKey> predicate) {
    List<EntryInfo> infos = new ArrayList<>();
    long now;
    synchronized (lock) {
      now = ticker.nanos();
      for (DiskFile f : index.values()) {
        infos.add(
            new EntryInfo(
                f.key, Tier.DISK, f.size, false, 0, f.hits, Duration.ofNanos(now - f.addedAt)));
      }
    }
    infos.removeIf(info -> !predicate.test(info.key()));
    return infos;
  }

  /** The path of the key's file, for tests and diagnostics. */
  Path pathOf(ColumnChunkKey key) {
    synchronized (lock) {
      DiskFile file = index.get(key);
      return file == null ? null : file.path;
    }
  }

  /** Bytes of committed files in each directory, in configuration order. */
  List<Long> usedBytes() {
    synchronized (lock) {
      List<Long> used = new ArrayList<>();
      for (Dir dir : dirs) {
        used.add(dir.committed);
      }
      return used;
    }
  }

  /** Stops indexing and writing and releases the directory locks; keeps every file. */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      index.clear();
      bySlot.clear();
    }
    releaseLocks();
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  private void count(EvictionCause cause) {
    synchronized (lock) {
      evictions[cause.ordinal()]++;
    }
  }

  /** Removes the file from the index (if it is still there) and deletes it. */
  private void removeFile(DiskFile file, EvictionCause cause) {
    synchronized (lock) {
      if (index.get(file.key) != file) {
        return; // removed already
      }
      removeLocked(file);
      if (cause != null) {
        evictions[cause.ordinal()]++;
      }
    }
    deleteQuietly(file.path);
  }

  @GuardedBy("lock")
  private void addLocked(DiskFile file, long stamp) {
    index.put(file.key, file);
    bySlot.computeIfAbsent(Slot.of(file.key), s -> new HashSet<>(2)).add(file.key);
    file.stamp = stamp;
    file.dir.byUse.put(stamp, file);
    file.dir.used += file.size;
    file.dir.committed += file.size;
    bytes += file.size;
  }

  @GuardedBy("lock")
  private void removeLocked(DiskFile file) {
    index.remove(file.key, file);
    Slot slot = Slot.of(file.key);
    Set<ColumnChunkKey> versions = bySlot.get(slot);
    if (versions != null) {
      versions.remove(file.key);
      if (versions.isEmpty()) {
        bySlot.remove(slot);
      }
    }
    file.dir.byUse.remove(file.stamp);
    file.dir.used -= file.size;
    file.dir.committed -= file.size;
    bytes -= file.size;
  }

  @GuardedBy("lock")
  private void touchLocked(DiskFile file) {
    file.dir.byUse.remove(file.stamp);
    file.stamp = ++useClock;
    file.dir.byUse.put(file.stamp, file);
  }

  /** Evicts the coldest files of {@code dir} until {@code needed} more bytes fit. */
  @GuardedBy("lock")
  private void makeRoomLocked(Dir dir, long needed, List<DiskFile> evicted) {
    while (dir.used + needed > dir.capacity && !dir.byUse.isEmpty()) {
      DiskFile coldest = dir.byUse.firstEntry().getValue();
      removeLocked(coldest);
      evictions[EvictionCause.SIZE.ordinal()]++;
      evicted.add(coldest);
    }
  }

  private static long estimate(ColumnChunk chunk) {
    long total = FILE_OVERHEAD;
    for (FieldVector slice : chunk.slices()) {
      // Buffers are padded to 8 bytes each; a few dozen covers any realistic nesting.
      total += slice.getBufferSize() + PER_SLICE_OVERHEAD;
    }
    return total;
  }

  private static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("the disk cache directory does not support atomic renames: " + to, e);
    }
  }

  private static void deleteFiles(List<DiskFile> files) {
    for (DiskFile file : files) {
      deleteQuietly(file.path);
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("could not delete the disk cache file {}: {}", path, e.toString());
    }
  }

  private void releaseLocks() {
    for (Dir dir : dirs) {
      dir.releaseLock();
    }
  }

  /** The file, row group and column of a key: what versions of one chunk share. */
  private record Slot(String file, int rowGroup, String column, String variant) {
    static Slot of(ColumnChunkKey key) {
      return new Slot(key.file(), key.rowGroup(), key.column(), key.variant());
    }
  }

  /** A chunk read from disk and when its data was first loaded from the source. */
  record Read(ColumnChunk chunk, long writtenAt) {}

  private record Found(ColumnChunkKey key, Path path, long size, long modified) {}

  /** A directory and its accounting; fields other than final ones are guarded by the lock. */
  private static final class Dir {
    final Path path;
    final long capacity;
    final FileChannel lockChannel;
    final FileLock fileLock;

    /** Files by last use (a stamp), coldest first. */
    final TreeMap<Long, DiskFile> byUse = new TreeMap<>();

    /** Committed bytes plus reservations of writes in progress. */
    long used;

    long committed;

    Dir(DiskDirectory directory) {
      this.path = directory.path().toAbsolutePath();
      this.capacity = directory.capacityBytes();
      FileChannel channel = null;
      try {
        Files.createDirectories(path);
        channel =
            FileChannel.open(
                path.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock acquired;
        try {
          acquired = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          acquired = null;
        }
        if (acquired == null) {
          throw new IllegalStateException(
              "the disk cache directory " + path + " is in use by another cache");
        }
        this.lockChannel = channel;
        this.fileLock = acquired;
      } catch (IOException e) {
        closeQuietly(channel);
        throw new UncheckedIOException("cannot open the disk cache directory " + path, e);
      } catch (RuntimeException e) {
        closeQuietly(channel);
        throw e;
      }
    }

    void releaseLock() {
      try {
        fileLock.release();
      } catch (IOException e) {
        LOG.warn("could not release the lock of {}: {}", path, e.toString());
      }
      closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel channel) {
      if (channel == null) {
        return;
      }
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("could not close a lock file: {}", e.toString());
      }
    }
  }

  /** One indexed file; mutable fields are guarded by the tier's lock. */
  private static final class DiskFile {
    final ColumnChunkKey key;
    final Path path;
    final Dir dir;
    final long size;
    final long addedAt;

    /** When the data was first loaded from the source, by the ticker (for expiry). */
    final long writtenAt;

    long stamp;
    long hits;

    DiskFile(ColumnChunkKey key, Path path, Dir dir, long size, long addedAt, long writtenAt) {
      this.key = key;
      this.path = path;
      this.dir = dir;
      this.size = size;
      this.addedAt = addedAt;
      this.writtenAt = writtenAt;
    }
  }
}
