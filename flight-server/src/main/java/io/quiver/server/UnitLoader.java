package io.quiver.server;

import io.quiver.cache.CachedChunk;
import io.quiver.cache.ChunkCache;
import io.quiver.cache.ColumnChunk;
import io.quiver.cache.ColumnChunkKey;
import io.quiver.catalog.Catalog;
import io.quiver.catalog.ResolvedPath;
import io.quiver.format.FileMetadata;
import io.quiver.format.UnitDecoder;
import io.quiver.storage.CountingStorageInput;
import io.quiver.storage.FileEntry;
import io.quiver.storage.StorageInput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;

/**
 * Gets the column chunks of one unit (row group, stripe) of one file version from the cache,
 * decoding the missing ones with the mount's or the server's decoder. Shared by DoGet streams, SQL
 * scans and the {@code cache-load} action.
 *
 * <p>The cold path ({@link ColdPipeline}): with {@link ColdPipeline#PARALLEL}, the requested
 * columns of a unit are split into up to {@link DecodePool#threads()} groups of adjacent columns
 * (in file order, of about equal stored bytes; units below {@link #MIN_PARALLEL_BYTES} stay whole),
 * each loaded through its own {@link ChunkCache#getAll} call, one on the calling thread and the
 * others forked on the decode pool. Each group is then an ordinary cache load on the thread that
 * runs it: single-flight, bounded by the cache's capacity, streamed through when the cache is full,
 * and one pass over the group's column chunks. With {@link ColdPipeline#PREFETCH} or {@code
 * PARALLEL}, {@link #prefetch} loads a unit on the pool ahead of the stream that will need it.
 *
 * <p>Thread-safe (the cache does single-flight loading).
 */
final class UnitLoader {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UnitLoader.class);

  /**
   * Units whose requested columns store fewer bytes than this are decoded in one group: splitting
   * them would cost more in per-call overhead (an extra read, an extra decoder set-up) than it
   * saves.
   */
  static final long MIN_PARALLEL_BYTES = 512L << 10;

  private final Catalog catalog;
  private final ChunkCache cache;
  private final int batchRows;
  private final String defaultDecoder;
  private final DecodePool pool;
  private final ColdPipeline pipeline;

  /**
   * @param pool the node's decode pool (borrowed), or null for {@link ColdPipeline#SERIAL}
   */
  UnitLoader(
      Catalog catalog,
      ChunkCache cache,
      int batchRows,
      String defaultDecoder,
      DecodePool pool,
      ColdPipeline pipeline) {
    this.catalog = catalog;
    this.cache = cache;
    this.batchRows = batchRows;
    this.defaultDecoder = defaultDecoder;
    this.pool = pipeline == ColdPipeline.SERIAL ? null : pool;
    this.pipeline = this.pool == null ? ColdPipeline.SERIAL : pipeline;
  }

  int batchRows() {
    return batchRows;
  }

  /**
   * The cache keys of {@code columns} of one unit of one file version read with {@code metadata}'s
   * options, in column order: files read with other options (a mount's {@code
   * int96-timestamp-unit}) decode to other values, so their keys differ in {@link
   * ColumnChunkKey#variant()}.
   */
  static List<ColumnChunkKey> keys(
      FileEntry entry, FileMetadata metadata, int unit, List<String> columns) {
    List<ColumnChunkKey> keys = new ArrayList<>(columns.size());
    String file = entry.location().toString();
    String variant = metadata.readOptions().cacheVariant();
    for (String c : columns) {
      keys.add(new ColumnChunkKey(file, entry.version().token(), unit, c, variant));
    }
    return keys;
  }

  /**
   * The chunks of {@code columns} of unit {@code unit}, loading what is missing.
   *
   * <p>Ownership: each returned {@link CachedChunk} is one reference owned by the caller, who must
   * close it (the map's values).
   *
   * <p>With {@link ColdPipeline#PARALLEL}, column groups are loaded at the same time on the decode
   * pool (see the class comment); this call returns once all are, or, if one fails, once the others
   * are done and released, with the first failure.
   *
   * @param stats where the bytes read from the store and served from the cache are counted, or
   *     null; updated on this thread only (groups loaded on the pool count into stats of their own,
   *     added here once joined)
   * @throws io.quiver.format.UnsupportedSchemaException if a column is one Quiver cannot decode
   */
  Map<ColumnChunkKey, CachedChunk> acquire(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int unit,
      List<String> columns,
      StreamStats stats)
      throws IOException {
    return acquire(resolved, entry, metadata, unit, columns, stats, false);
  }

  /** {@link #acquire}; with {@code cacheOnly}, see {@link #acquireGroup}. */
  private Map<ColumnChunkKey, CachedChunk> acquire(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int unit,
      List<String> columns,
      StreamStats stats,
      boolean cacheOnly)
      throws IOException {
    metadata.checkDecodable(columns);
    List<List<String>> groups = groups(metadata, unit, columns);
    if (groups.size() == 1) {
      return acquireGroup(resolved, entry, metadata, unit, columns, stats, cacheOnly);
    }
    List<DecodePool.Task<Map<ColumnChunkKey, CachedChunk>>> forked = new ArrayList<>();
    List<StreamStats> forkedStats = new ArrayList<>();
    for (List<String> group : groups.subList(1, groups.size())) {
      StreamStats groupStats = stats == null ? null : new StreamStats();
      forkedStats.add(groupStats);
      forked.add(
          pool.fork(
              () -> acquireGroup(resolved, entry, metadata, unit, group, groupStats, cacheOnly)));
    }
    Map<ColumnChunkKey, CachedChunk> all = new HashMap<>();
    Throwable failure = null;
    try {
      all.putAll(acquireGroup(resolved, entry, metadata, unit, groups.get(0), stats, cacheOnly));
    } catch (Throwable t) {
      failure = t;
    }
    for (DecodePool.Task<Map<ColumnChunkKey, CachedChunk>> task : forked) {
      try {
        Map<ColumnChunkKey, CachedChunk> got = failure == null ? task.join() : task.cancelOrJoin();
        if (got != null) {
          all.putAll(got);
        }
      } catch (Throwable t) {
        if (failure == null) {
          failure = t;
        } else if (failure != t) {
          failure.addSuppressed(t);
        }
      }
    }
    if (failure != null) {
      all.values().forEach(CachedChunk::close);
      throw DecodePool.Task.rethrow(failure);
    }
    if (stats != null) {
      forkedStats.forEach(stats::add);
    }
    Map<ColumnChunkKey, CachedChunk> ordered = new LinkedHashMap<>();
    for (ColumnChunkKey k : keys(entry, metadata, unit, columns)) {
      ordered.put(k, all.get(k));
    }
    return ordered;
  }

  /**
   * Loads unit {@code unit} on the decode pool ahead of the stream that will send it: null with
   * {@link ColdPipeline#SERIAL}. The load goes into the cache's memory only: when the cache cannot
   * take it (its capacity is held by readers, pins or loads in progress), the prefetch is dropped
   * (the stream loads the unit itself when it gets there, as without prefetch) rather than taking
   * the stream-through budget other streams may need; any other failure is dropped too, and met
   * again by the stream's own load, which reports it.
   */
  Prefetch prefetch(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int unit,
      List<String> columns) {
    if (pipeline == ColdPipeline.SERIAL) {
      return null;
    }
    StreamStats stats = new StreamStats();
    DecodePool.Task<Map<ColumnChunkKey, CachedChunk>> task =
        pool.fork(() -> acquire(resolved, entry, metadata, unit, columns, stats, true));
    return new Prefetch(unit, task, stats);
  }

  /**
   * A unit being loaded ahead of its stream. Ownership: the chunks it acquired belong to it until
   * {@link #take} hands them over; {@link #close} releases them if nobody took them. Not
   * thread-safe: used by its stream's thread.
   */
  static final class Prefetch implements AutoCloseable {
    private final int unit;
    private final DecodePool.Task<Map<ColumnChunkKey, CachedChunk>> task;
    private final StreamStats stats;
    private boolean done;

    private Prefetch(
        int unit, DecodePool.Task<Map<ColumnChunkKey, CachedChunk>> task, StreamStats stats) {
      this.unit = unit;
      this.task = task;
      this.stats = stats;
    }

    /** The unit it loads. */
    int unit() {
      return unit;
    }

    /**
     * The unit's chunks (the caller owns the references), waiting for the load or running it here
     * if the pool has not started it; null if the prefetch failed or was refused (the caller loads
     * the unit itself). What the load counted is added to {@code into}.
     */
    Map<ColumnChunkKey, CachedChunk> take(StreamStats into) {
      done = true;
      try {
        Map<ColumnChunkKey, CachedChunk> chunks = task.join();
        into.add(stats);
        return chunks;
      } catch (IOException | RuntimeException e) {
        LOG.debug("prefetch of unit {} dropped: {}", unit, e.toString());
        return null;
      }
    }

    /**
     * Drops the prefetch: cancels it if the pool has not started it, else waits for it and releases
     * what it acquired (a stream that ends early leaves nothing behind).
     */
    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      Map<ColumnChunkKey, CachedChunk> chunks;
      try {
        chunks = task.cancelOrJoin();
      } catch (IOException | RuntimeException e) {
        return; // it acquired nothing
      }
      if (chunks != null) {
        chunks.values().forEach(CachedChunk::close);
      }
    }
  }

  /**
   * The columns in load groups: one group unless {@link ColdPipeline#PARALLEL} splits a unit of at
   * least {@link #MIN_PARALLEL_BYTES} into up to {@link DecodePool#threads()} runs of adjacent
   * columns (file order: one contiguous read each) of about equal stored bytes.
   */
  private List<List<String>> groups(FileMetadata metadata, int unit, List<String> columns) {
    if (pipeline != ColdPipeline.PARALLEL || columns.size() < 2 || pool.threads() < 2) {
      return List.of(columns);
    }
    Map<String, Integer> position = new HashMap<>();
    List<org.apache.arrow.vector.types.pojo.Field> fields = metadata.schema().getFields();
    for (int i = 0; i < fields.size(); i++) {
      position.put(fields.get(i).getName(), i);
    }
    List<String> inFileOrder = new ArrayList<>(columns);
    inFileOrder.sort(java.util.Comparator.comparingInt(c -> position.getOrDefault(c, 0)));
    long[] bytes = new long[inFileOrder.size()];
    long total = 0;
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = Math.max(0, metadata.columnBytes(unit, inFileOrder.get(i)));
      total += bytes[i];
    }
    if (total < MIN_PARALLEL_BYTES) {
      return List.of(columns);
    }
    return split(inFileOrder, bytes, Math.min(pool.threads(), columns.size()));
  }

  /**
   * Splits {@code columns} into at most {@code n} non-empty runs of adjacent columns of about
   * {@code total / n} bytes each ({@code bytes[i]} is column i's), keeping their order.
   */
  static List<List<String>> split(List<String> columns, long[] bytes, int n) {
    long total = 0;
    for (long b : bytes) {
      total += b;
    }
    List<List<String>> groups = new ArrayList<>(n);
    List<String> group = new ArrayList<>();
    long sum = 0;
    for (int i = 0; i < bytes.length; i++) {
      group.add(columns.get(i));
      sum += bytes[i];
      int left = bytes.length - i - 1;
      int groupsLeft = n - groups.size() - 1;
      // Close the group at its share of the bytes, or when every remaining column must start a
      // group of its own; the last group takes the rest.
      if (groupsLeft > 0
          && left > 0
          && (sum * n >= total * (groups.size() + 1) || left == groupsLeft)) {
        groups.add(group);
        group = new ArrayList<>();
      }
    }
    groups.add(group);
    return groups;
  }

  /**
   * One {@link ChunkCache#getAll} over {@code columns}, the missing ones decoded in one pass on
   * this thread.
   *
   * @param cacheOnly refuse to stream through: a load the cache cannot take fails ({@link
   *     PrefetchRefusedException}) instead of using the stream-through budget
   */
  private Map<ColumnChunkKey, CachedChunk> acquireGroup(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int unit,
      List<String> columns,
      StreamStats stats,
      boolean cacheOnly)
      throws IOException {
    Set<ColumnChunkKey> decodedHere = stats == null ? null : new HashSet<>();
    Map<ColumnChunkKey, CachedChunk> chunks =
        cache.getAll(
            keys(entry, metadata, unit, columns),
            (missing, allocator) -> {
              if (cacheOnly && allocator != cache.allocator()) {
                throw new PrefetchRefusedException();
              }
              if (decodedHere != null) {
                decodedHere.addAll(missing);
              }
              return load(resolved, entry, metadata, unit, missing, allocator, stats);
            });
    if (stats != null) {
      for (CachedChunk c : chunks.values()) {
        if (decodedHere.contains(c.key())) {
          stats.chunksLoaded++;
          stats.loadedBytes += c.chunk().sizeBytes();
        } else {
          stats.chunksCached++;
          stats.cacheBytes += c.chunk().sizeBytes();
        }
      }
    }
    return chunks;
  }

  private Map<ColumnChunkKey, ColumnChunk> load(
      ResolvedPath resolved,
      FileEntry entry,
      FileMetadata metadata,
      int unit,
      List<ColumnChunkKey> missing,
      BufferAllocator allocator,
      StreamStats stats)
      throws IOException {
    List<String> names = missing.stream().map(ColumnChunkKey::column).toList();
    UnitDecoder decoder = decoderFor(resolved, metadata, names);
    Map<String, List<FieldVector>> decoded;
    StorageInput opened = resolved.storage().open(entry);
    try (StorageInput input =
        stats == null ? opened : new CountingStorageInput(opened, n -> stats.storageBytes += n)) {
      decoded = decoder.decode(input, metadata, unit, names, allocator, batchRows);
    }
    Map<ColumnChunkKey, ColumnChunk> loaded = new LinkedHashMap<>();
    try {
      for (ColumnChunkKey k : missing) {
        loaded.put(k, new ColumnChunk(decoded.get(k.column())));
      }
    } catch (RuntimeException e) {
      // Nothing may leak: close every vector, wrapped or not.
      decoded.values().forEach(slices -> slices.forEach(FieldVector::close));
      throw e;
    }
    return loaded;
  }

  /**
   * A prefetch the cache could not take into its own memory: it is dropped rather than streamed
   * through.
   */
  static final class PrefetchRefusedException extends io.quiver.cache.LoadDeclinedException {
    private static final long serialVersionUID = 1L;

    PrefetchRefusedException() {
      super("prefetch refused: the cache has no room for it");
    }
  }

  /** The mount's decoder if it chose one, else the server's; the format's own if unsupported. */
  private UnitDecoder decoderFor(
      ResolvedPath resolved, FileMetadata metadata, List<String> columns) {
    String chosen = resolved.mount().decoder();
    return catalog
        .formats()
        .decoder(metadata.format(), chosen != null ? chosen : defaultDecoder, metadata, columns);
  }
}
